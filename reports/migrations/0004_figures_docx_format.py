"""Reports also as Word (DOCX); the beat schedules ask for PDF and DOCX (kwargs stay editable in admin)."""
import json

from django.db import migrations, models


def add_docx(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for task in PeriodicTask.objects.filter(task="reports.scheduled_reports"):
        kwargs = json.loads(task.kwargs or "{}")
        if "formats" not in kwargs:
            kwargs["formats"] = [kwargs.pop("fmt", "pdf"), "docx"]
            task.kwargs = json.dumps(kwargs, ensure_ascii=False)
            task.save(update_fields=["kwargs"])


def remove_docx(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for task in PeriodicTask.objects.filter(task="reports.scheduled_reports"):
        kwargs = json.loads(task.kwargs or "{}")
        formats = kwargs.pop("formats", None)
        if formats:
            kwargs["fmt"] = formats[0]
            task.kwargs = json.dumps(kwargs, ensure_ascii=False)
            task.save(update_fields=["kwargs"])


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_requeue_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [
        migrations.AlterField(
            model_name="reportjob", name="format",
            field=models.CharField(choices=[("pdf", "PDF"), ("xlsx", "Excel (XLSX)"), ("docx", "Word (DOCX)")],
                                   default="pdf", max_length=8, verbose_name="格式"),
        ),
        migrations.RunPython(add_docx, remove_docx),
    ]
