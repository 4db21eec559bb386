"""The models' history and time stamps come from portal.tracking (issue #15): the fields gain their verbose
names 创建时间/更新时间 there. No SQL (sqlmigrate is empty); the historical tables are unchanged."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('branches', '0010_merge_house_rules'),
    ]

    operations = [
        migrations.AlterField(
            model_name='apiclient',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='创建时间'),
        ),
        migrations.AlterField(
            model_name='committeeterm',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='创建时间'),
        ),
        migrations.AlterField(
            model_name='committeeterm',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, db_index=True, verbose_name='更新时间'),
        ),
        migrations.AlterField(
            model_name='historicalapiclient',
            name='created_at',
            field=models.DateTimeField(blank=True, editable=False, verbose_name='创建时间'),
        ),
        migrations.AlterField(
            model_name='historicalcommitteeterm',
            name='created_at',
            field=models.DateTimeField(blank=True, editable=False, verbose_name='创建时间'),
        ),
        migrations.AlterField(
            model_name='historicalcommitteeterm',
            name='updated_at',
            field=models.DateTimeField(blank=True, db_index=True, editable=False, verbose_name='更新时间'),
        ),
        migrations.AlterField(
            model_name='historicalorganization',
            name='created_at',
            field=models.DateTimeField(blank=True, editable=False, verbose_name='创建时间'),
        ),
        migrations.AlterField(
            model_name='historicalorganization',
            name='updated_at',
            field=models.DateTimeField(blank=True, db_index=True, editable=False, verbose_name='更新时间'),
        ),
        migrations.AlterField(
            model_name='historicalrolegrant',
            name='created_at',
            field=models.DateTimeField(blank=True, editable=False, verbose_name='创建时间'),
        ),
        migrations.AlterField(
            model_name='organization',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='创建时间'),
        ),
        migrations.AlterField(
            model_name='organization',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, db_index=True, verbose_name='更新时间'),
        ),
        migrations.AlterField(
            model_name='rolegrant',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='创建时间'),
        ),
    ]
