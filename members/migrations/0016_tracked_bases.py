"""The models' history and time stamps come from portal.tracking (issue #15): the fields gain their verbose
names 创建时间/更新时间 there. No SQL (sqlmigrate is empty); the historical tables are unchanged."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('members', '0015_member_list_keyset_indexes'),
    ]

    operations = [
        migrations.AlterField(
            model_name='ballotround',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='创建时间'),
        ),
        migrations.AlterField(
            model_name='candidate',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='创建时间'),
        ),
        migrations.AlterField(
            model_name='duesbase',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='创建时间'),
        ),
        migrations.AlterField(
            model_name='election',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='创建时间'),
        ),
        migrations.AlterField(
            model_name='election',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, db_index=True, verbose_name='更新时间'),
        ),
        migrations.AlterField(
            model_name='historicalballotround',
            name='created_at',
            field=models.DateTimeField(blank=True, editable=False, verbose_name='创建时间'),
        ),
        migrations.AlterField(
            model_name='historicalcandidate',
            name='created_at',
            field=models.DateTimeField(blank=True, editable=False, verbose_name='创建时间'),
        ),
        migrations.AlterField(
            model_name='historicalduesbase',
            name='created_at',
            field=models.DateTimeField(blank=True, editable=False, verbose_name='创建时间'),
        ),
        migrations.AlterField(
            model_name='historicalelection',
            name='created_at',
            field=models.DateTimeField(blank=True, editable=False, verbose_name='创建时间'),
        ),
        migrations.AlterField(
            model_name='historicalelection',
            name='updated_at',
            field=models.DateTimeField(blank=True, db_index=True, editable=False, verbose_name='更新时间'),
        ),
        migrations.AlterField(
            model_name='historicalmember',
            name='created_at',
            field=models.DateTimeField(blank=True, editable=False, verbose_name='创建时间'),
        ),
        migrations.AlterField(
            model_name='historicalmember',
            name='updated_at',
            field=models.DateTimeField(blank=True, db_index=True, editable=False, verbose_name='更新时间'),
        ),
        migrations.AlterField(
            model_name='historicalmilestone',
            name='created_at',
            field=models.DateTimeField(blank=True, editable=False, verbose_name='创建时间'),
        ),
        migrations.AlterField(
            model_name='historicalstatuschange',
            name='created_at',
            field=models.DateTimeField(blank=True, editable=False, verbose_name='创建时间'),
        ),
        migrations.AlterField(
            model_name='member',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='创建时间'),
        ),
        migrations.AlterField(
            model_name='member',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, db_index=True, verbose_name='更新时间'),
        ),
        migrations.AlterField(
            model_name='milestone',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='创建时间'),
        ),
        migrations.AlterField(
            model_name='statuschange',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='创建时间'),
        ),
    ]
