"""Beat: every morning, create the day's reminder messages (idempotent). Time editable in admin (定时任务)."""
from django.conf import settings
from django.db import migrations

NAME = "消息：生成每日提醒（组织生活、换届、党费、政治生日、评价截止）"


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    at, _ = CrontabSchedule.objects.get_or_create(minute="0", hour="7", day_of_week="*", day_of_month="*",
                                                  month_of_year="*", timezone=settings.TIME_ZONE)
    PeriodicTask.objects.get_or_create(name=NAME, defaults=dict(
        task="inbox.reminders_run", crontab=at,
        description="按组织生活逾期/到期、换届、党费欠缴、政治生日、评价截止等生成站内消息并按渠道推送（同一事项不重复）。"))


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("inbox", "0001_mine_channels"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(create, remove)]
