"""Fill the monthly activity counts from the existing records, and schedule the nightly check.

Self-contained (historical models, one grouped query, bulk inserts): a migration must not follow later changes of
branches.activity_counts. Reversing empties the table and removes the schedule.
"""
from django.db import migrations
from django.db.models import Count, Q
from django.db.models.functions import ExtractYear

MONTHS = [f"m{i}" for i in range(1, 13)]
SCHEDULE = ("组织生活记录计数核对（每日）", "branches.tasks.check_activity_counts",
            {"minute": "30", "hour": "2", "day_of_week": "*"})


def backfill(apps, schema_editor):
    Activity = apps.get_model("branches", "Activity")
    ActivityCount = apps.get_model("branches", "ActivityCount")
    ActivityCount.objects.all().delete()
    columns = {name: Count("pk", filter=Q(held_on__month=i)) for i, name in enumerate(MONTHS, 1)}
    rows = (Activity.objects.filter(is_deleted=False, status="submitted").annotate(year=ExtractYear("held_on"))
            .order_by().values_list("organization_id", "activity_type_id", "year").annotate(**columns))
    batch = []
    for org_id, type_id, year, *months in rows.iterator(chunk_size=20000):
        batch.append(ActivityCount(organization_id=org_id, activity_type_id=type_id, year=year,
                                   **dict(zip(MONTHS, months, strict=True))))
        if len(batch) >= 5000:
            ActivityCount.objects.bulk_create(batch)
            batch = []
    ActivityCount.objects.bulk_create(batch)


def empty(apps, schema_editor):
    apps.get_model("branches", "ActivityCount").objects.all().delete()


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
    dependencies = [("branches", "0007_activity_counts"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(backfill, empty), migrations.RunPython(schedule, unschedule)]
