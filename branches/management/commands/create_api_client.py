"""Issue an agency API client and print its token once (operators; staff use /org/api-clients/)."""
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from branches.api_clients import api_client_create
from branches.models import ApiClientGrant, Organization


class Command(BaseCommand):
    help = "签发接口客户端令牌：manage.py create_api_client --organization JB01 --name 区委组织部 [--grant reports] [--grant pii] [--expires-days 365]"

    def add_arguments(self, parser):
        parser.add_argument("--organization", required=True, help="授权范围：组织编码（含下级）")
        parser.add_argument("--name", required=True, help="客户端名称，如“区委组织部数据平台”")
        parser.add_argument("--grant", action="append", default=[], choices=ApiClientGrant.values,
                            help="额外授权：reports（申请报告）、pii（读取身份证号、手机号）；可重复")
        parser.add_argument("--expires-days", type=int, default=None, help="有效天数；不填则为 API_TOKEN_DEFAULT_EXPIRY_DAYS（默认 365）")
        parser.add_argument("--throttle", default="", help="限流，如 600/min；不填用系统默认")

    def handle(self, *args, **options):
        try:
            organization = Organization.objects.get(code=options["organization"])
        except Organization.DoesNotExist:
            raise CommandError(f"找不到组织编码 {options['organization']}。") from None
        if options["expires_days"] is not None and options["expires_days"] <= 0:
            raise CommandError("--expires-days 须为正整数。")
        try:
            client, token = api_client_create(
                organization=organization, name=options["name"], grants=options["grant"],
                expires_days=options["expires_days"], throttle_rate=options["throttle"],
            )
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        self.stdout.write(f"已签发接口客户端 #{client.pk}“{client.name}”，范围：{organization.name}（含下级）。")
        grants = "、".join(["读取"] + [str(ApiClientGrant(g).label) for g in client.grants])
        expiry = f"有效期至 {client.expires_at:%Y-%m-%d %H:%M}" if client.expires_at else "长期有效"
        self.stdout.write(f"授权：{grants}；{expiry}。")
        self.stdout.write("令牌只显示这一次，请妥善保存：")
        self.stdout.write(token)
