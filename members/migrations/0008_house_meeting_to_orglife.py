"""Milestone/StatusChange.meeting now point at orglife.Activity (issue #15): state only, since the table was
renamed under the foreign keys (orglife 0001_house_initial) and the constraints follow the table."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('members', '0007_member_active_orgs_index'),
        ('orglife', '0001_house_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
                migrations.AlterField(
                    model_name='historicalmilestone',
                    name='meeting',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='orglife.activity', verbose_name='支部党员大会记录'),
                ),
                migrations.AlterField(
                    model_name='historicalstatuschange',
                    name='meeting',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='orglife.activity', verbose_name='支部党员大会记录'),
                ),
                migrations.AlterField(
                    model_name='milestone',
                    name='meeting',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='orglife.activity', verbose_name='支部党员大会记录'),
                ),
                migrations.AlterField(
                    model_name='statuschange',
                    name='meeting',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='orglife.activity', verbose_name='支部党员大会记录'),
                ),
        ]),
    ]
