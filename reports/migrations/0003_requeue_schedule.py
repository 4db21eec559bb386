"""Beat: every 5 minutes, send report jobs that were requested while the queue (Redis) was unreachable."""
from django.db import migrations

NAME = "报告：补发队列不可用时的申请（每5分钟）"


def create(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.get_or_create(name=NAME, defaults=dict(
        task="reports.requeue_waiting", interval=every,
        description="Redis 不可用时提交的报告申请保留在数据库中，队列恢复后由此任务补发。"))


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_report_schedules")]
    operations = [migrations.RunPython(create, remove)]
