"""The models' history and time stamps come from portal.tracking (issue #15): the fields gain their verbose
names 创建时间/更新时间 there. No SQL (sqlmigrate is empty); the historical tables are unchanged."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0006_merge_reliability_figures'),
    ]

    operations = [
        migrations.AlterField(
            model_name='historicalreportplan',
            name='updated_at',
            field=models.DateTimeField(blank=True, db_index=True, editable=False, verbose_name='更新时间'),
        ),
        migrations.AlterField(
            model_name='reportplan',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, db_index=True, verbose_name='更新时间'),
        ),
    ]
