"""The models' history and time stamps come from portal.tracking (issue #15): the fields gain their verbose
names 创建时间/更新时间 there. No SQL (sqlmigrate is empty); the historical tables are unchanged."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('evaluations', '0003_history_for_new_records'),
    ]

    operations = [
        migrations.AlterField(
            model_name='branchevaluation',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, db_index=True, verbose_name='更新时间'),
        ),
        migrations.AlterField(
            model_name='cycle',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='创建时间'),
        ),
        migrations.AlterField(
            model_name='cycle',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, db_index=True, verbose_name='更新时间'),
        ),
        migrations.AlterField(
            model_name='historicalbranchevaluation',
            name='updated_at',
            field=models.DateTimeField(blank=True, db_index=True, editable=False, verbose_name='更新时间'),
        ),
        migrations.AlterField(
            model_name='historicalcycle',
            name='created_at',
            field=models.DateTimeField(blank=True, editable=False, verbose_name='创建时间'),
        ),
        migrations.AlterField(
            model_name='historicalcycle',
            name='updated_at',
            field=models.DateTimeField(blank=True, db_index=True, editable=False, verbose_name='更新时间'),
        ),
        migrations.AlterField(
            model_name='historicalrectification',
            name='created_at',
            field=models.DateTimeField(blank=True, editable=False, verbose_name='创建时间'),
        ),
        migrations.AlterField(
            model_name='historicalrectification',
            name='updated_at',
            field=models.DateTimeField(blank=True, db_index=True, editable=False, verbose_name='更新时间'),
        ),
        migrations.AlterField(
            model_name='historicalstandard',
            name='created_at',
            field=models.DateTimeField(blank=True, editable=False, verbose_name='创建时间'),
        ),
        migrations.AlterField(
            model_name='historicalstandard',
            name='updated_at',
            field=models.DateTimeField(blank=True, db_index=True, editable=False, verbose_name='更新时间'),
        ),
        migrations.AlterField(
            model_name='rectification',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='创建时间'),
        ),
        migrations.AlterField(
            model_name='rectification',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, db_index=True, verbose_name='更新时间'),
        ),
        migrations.AlterField(
            model_name='standard',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='创建时间'),
        ),
        migrations.AlterField(
            model_name='standard',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, db_index=True, verbose_name='更新时间'),
        ),
    ]
