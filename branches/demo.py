"""Demo organization tree: one 基层党委, three 党总支, twelve branches with 党小组."""
from __future__ import annotations

from datetime import date

from .models import Organization, OrganizationKind
from .services import organization_create

ROOT_CODE = "JB01"
TREE = {
    "name": "中共滨江区机关工作委员会",
    "short_name": "区机关工委",
    "code": ROOT_CODE,
    "established_on": date(2001, 7, 1),
    "children": [
        ("中共滨江区机关综合党总支", "JB01-Z1", date(2005, 3, 1), [
            ("区委办公室党支部", "JB01-Z1-01", date(2005, 3, 10), 2),
            ("区政府办公室党支部", "JB01-Z1-02", date(2005, 3, 10), 2),
            ("区发展和改革局党支部", "JB01-Z1-03", date(2008, 6, 1), 0),
            ("区财政局党支部", "JB01-Z1-04", date(2008, 6, 1), 0),
        ]),
        ("中共滨江区社会事业党总支", "JB01-Z2", date(2006, 5, 1), [
            ("区教育局机关党支部", "JB01-Z2-01", date(2006, 5, 20), 3),
            ("区卫生健康局党支部", "JB01-Z2-02", date(2006, 5, 20), 2),
            ("区民政局党支部", "JB01-Z2-03", date(2010, 9, 1), 0),
            ("区文化旅游局党支部", "JB01-Z2-04", date(2012, 4, 1), 0),
        ]),
        ("中共滨江区城建交通党总支", "JB01-Z3", date(2007, 8, 1), [
            ("区住房和城乡建设局党支部", "JB01-Z3-01", date(2007, 8, 15), 2),
            ("区交通运输局党支部", "JB01-Z3-02", date(2007, 8, 15), 2),
            ("区生态环境分局党支部", "JB01-Z3-03", date(2015, 1, 1), 0),
            ("滨江新城建设项目临时党支部", "JB01-Z3-04", date(2025, 3, 1), 0),
        ]),
    ],
}
GROUP_NAMES = ["第一党小组", "第二党小组", "第三党小组"]


def seed(*, stdout=None) -> None:
    if Organization.objects.filter(code=ROOT_CODE).exists():
        return
    root = organization_create(parent=None, name=TREE["name"], short_name=TREE["short_name"], kind=OrganizationKind.COMMITTEE,
                               code=ROOT_CODE, established_on=TREE["established_on"], units="滨江区机关各部门")
    for name, code, established, branches in TREE["children"]:
        general = organization_create(parent=root, name=name, kind=OrganizationKind.GENERAL_BRANCH, code=code,
                                      established_on=established)
        for bname, bcode, bdate, groups in branches:
            kind = OrganizationKind.TEMPORARY_BRANCH if "临时" in bname else OrganizationKind.BRANCH
            branch = organization_create(parent=general, name=bname, kind=kind, code=bcode, established_on=bdate,
                                         units=bname.replace("党支部", "").replace("临时", ""))
            for i in range(groups):
                organization_create(parent=branch, name=GROUP_NAMES[i], kind=OrganizationKind.PARTY_GROUP,
                                    code=f"{bcode}-G{i + 1}", established_on=bdate)
    if stdout:
        stdout.write("组织架构：1 个基层党委、3 个党总支、12 个党支部。")


DEMO_API_CLIENT_NAME = "区委组织部数据平台（演示）"
# A fixed token so README's curl examples work against the demo; only ever set when DEBUG or PORTAL_DEMO.
DEMO_API_TOKEN = "demo-agency-token-2026"


def seed_api_client(*, stdout=None) -> None:
    """The demo agency's API client on the whole tree, allowed to request reports (no PII)."""
    from django.conf import settings

    from .api_clients import api_client_create
    from .models import ApiClient

    if ApiClient.objects.filter(name=DEMO_API_CLIENT_NAME).exists():
        if stdout:
            stdout.write("接口客户端（演示）已存在；令牌见 README（演示环境：demo-agency-token-2026）。")
        return
    root = Organization.objects.get(code=ROOT_CODE)
    fixed = settings.DEBUG or getattr(settings, "PORTAL_DEMO", False)
    client, token = api_client_create(organization=root, name=DEMO_API_CLIENT_NAME, grants=["reports"],
                                      token=DEMO_API_TOKEN if fixed else None)
    if stdout:
        stdout.write(f"接口客户端“{client.name}”令牌：{token}（curl -H 'Authorization: Bearer {token}' …/api/v1/organizations/）")
