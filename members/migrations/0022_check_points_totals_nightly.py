"""The nightly check of the stored 党员积分 totals (members.tasks.check_points_totals)."""
from django.db import migrations

SCHEDULE = ("党员积分汇总核对（每日）", "members.tasks.check_points_totals",
            {"minute": "40", "hour": "2", "day_of_week": "*"})


def schedule(apps, schema_editor):
    Crontab = apps.get_model("django_celery_beat", "CrontabSchedule")
    Task = apps.get_model("django_celery_beat", "PeriodicTask")
    name, task, cron = SCHEDULE
    if not Task.objects.filter(name=name).exists():
        crontab, _ = Crontab.objects.get_or_create(timezone="Asia/Shanghai", day_of_month="*", month_of_year="*", **cron)
        Task.objects.create(name=name, task=task, crontab=crontab, enabled=True)


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SCHEDULE[0]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("members", "0021_probation_due_index"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
