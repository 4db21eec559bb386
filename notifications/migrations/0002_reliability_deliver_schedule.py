"""Beat: every minute, send the outbox's due deliveries (also queued on each commit; this covers lost tasks)."""
from django.db import migrations

NAME = "消息：发送待投递消息（每分钟）"


def create(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(name=NAME, defaults=dict(
        task="notifications.deliver_pending", interval=every,
        description="发件箱：发送到期的待投递消息，失败的按退避间隔重试。"))


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_reliability_outbox"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(create, remove)]
