"""Beat schedules for reports as django-celery-beat rows (editable in admin; re-running keeps edits)."""
import json

from django.db import migrations

SCHEDULES = {
    "报告：月度组织生活情况（每月1日）": ("branch-monthly", dict(minute="0", hour="2", day_of_month="1", month_of_year="*")),
    "报告：季度组织生活情况（每季度首月1日）": ("branch-quarterly",
                                   dict(minute="30", hour="2", day_of_month="1", month_of_year="1,4,7,10")),
    "报告：年度党支部工作报告（1月10日）": ("branch-annual", dict(minute="0", hour="3", day_of_month="10", month_of_year="1")),
    "报告：书记抓党建述职报告提纲（1月10日）": ("secretary-duty",
                                  dict(minute="30", hour="3", day_of_month="10", month_of_year="1")),
    "报告：四强党支部建设工作汇报（1月15日）": ("committee-four-strong",
                                  dict(minute="0", hour="4", day_of_month="15", month_of_year="1")),
}


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, (kind, cron) in SCHEDULES.items():
        schedule, _ = CrontabSchedule.objects.get_or_create(day_of_week="*", timezone="Asia/Shanghai", **cron)
        PeriodicTask.objects.get_or_create(name=name, defaults=dict(
            task="reports.scheduled_reports", crontab=schedule, kwargs=json.dumps({"kind": kind, "schedule_name": name},
                                                                                 ensure_ascii=False),
            description="为上一个完整期间生成报告（每个适用的组织一份），可在此修改时间或停用。"))


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=list(SCHEDULES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_report_jobs"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create, remove)]
