"""Seed the reminder schedules into django-celery-beat (edit times or disable them in admin)."""
from django.db import migrations

SCHEDULES = [
    ("组织生活提醒（书记，每日）", "branches.tasks.send_orglife_reminders", {"minute": "0", "hour": "8", "day_of_week": "*"}),
    ("组织生活逾期周报（党务工作者）", "branches.tasks.send_orglife_staff_digests", {"minute": "30", "hour": "8", "day_of_week": "1"}),
]


def seed(apps, schema_editor):
    Crontab = apps.get_model("django_celery_beat", "CrontabSchedule")
    Task = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, cron in SCHEDULES:
        if Task.objects.filter(name=name).exists():
            continue
        schedule, _ = Crontab.objects.get_or_create(timezone="Asia/Shanghai", day_of_month="*", month_of_year="*", **cron)
        Task.objects.create(name=name, task=task, crontab=schedule, enabled=True)


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[s[0] for s in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("branches", "0005_orglife_default_rules"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(seed, unseed)]
