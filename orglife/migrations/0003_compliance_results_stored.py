"""Stored compliance results (orglife.results) and the nightly check that stores the current year and compares the
stored rows with a recount. No backfill: until a year is stored (the nightly task, `manage.py compliance_results
--rebuild YEAR`, or a seed) its summaries are computed by the engine, as before."""
import django.db.models.deletion
from django.db import migrations, models

SCHEDULE = ("落实情况存储结果核对（每日）", "orglife.tasks.check_compliance_results",
            {"minute": "45", "hour": "2", "day_of_week": "*"})


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
        ('branches', '0010_merge_house_rules'),
        ('orglife', '0002_rules_orglife_facts'),
        ('django_celery_beat', '0019_alter_periodictasks_options'),
    ]

    operations = [
        migrations.CreateModel(
            name='ComplianceYear',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(unique=True)),
                ('built_at', models.DateTimeField(auto_now=True)),
            ],
        ),
        migrations.CreateModel(
            name='ComplianceWindow',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('per', models.CharField(choices=[('month', '每月'), ('quarter', '每季度'), ('year', '每年')], max_length=10)),
                ('starts_on', models.DateField()),
                ('ends_on', models.DateField()),
                ('required', models.PositiveIntegerField(default=0)),
                ('credited', models.PositiveIntegerField(default=0)),
                ('completion_required', models.PositiveIntegerField(default=0)),
                ('completion_credited', models.PositiveIntegerField(default=0)),
                ('organization', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='branches.organization')),
            ],
            options={
                'indexes': [models.Index(fields=['ends_on', 'organization'], name='compliance_window_end')],
                'constraints': [models.UniqueConstraint(fields=('organization', 'per', 'ends_on'), name='compliance_window_key')],
            },
        ),
        migrations.RunPython(schedule, unschedule),
    ]
