"""Beat: resend jobs kept while Redis was down every minute (was 5), so they start within a minute of its return."""
from django.db import migrations

OLD = "报告：补发队列不可用时的申请（每5分钟）"
NEW = "报告：补发队列不可用时的申请（每分钟）"


def every_minute(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.filter(name=OLD).update(name=NEW, interval=minute)
    PeriodicTask.objects.get_or_create(name=NEW, defaults=dict(
        task="reports.requeue_waiting", interval=minute,
        description="Redis 不可用时提交的报告申请保留在数据库中，队列恢复后由此任务补发。"))


def every_five_minutes(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    five, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NEW).update(name=OLD, interval=five)


class Migration(migrations.Migration):
    dependencies = [("reports", "0003_requeue_schedule")]
    operations = [migrations.RunPython(every_minute, every_five_minutes)]
