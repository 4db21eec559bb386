"""Organizational life moves from branches/ to orglife/ (issue #15) without touching a row.

State: the models are created here (and deleted from branches in branches 0009_house_orglife_moved).
Database: the tables, their history tables and the M2M tables are renamed branches_* → orglife_*; the
content types (and so permissions and history/admin links) follow; the beat schedules name the moved tasks.
On a fresh database the renamed tables are the ones branches 0004–0008 just created.
"""

import django.db.models.deletion
import orglife.models
import simple_history.models
from django.conf import settings
from django.db import migrations, models

# Tables of the moved models (with their history tables and the M2M table of Talk.participants), without prefix.
TABLES = ['activity', 'activitycount', 'activitytype', 'attachment', 'attendance', 'frequencyrule', 'historicalactivity', 'historicalactivitytype', 'historicalattachment', 'historicalattendance', 'historicalfrequencyrule', 'historicalperiodclose', 'historicaltalk', 'historicaltalk_participants', 'historicalvote', 'periodclose', 'reminder', 'talk', 'talk_participants', 'vote']
# Models with a content type (auto-created M2M tables have none).
CONTENT_TYPES = [t for t in TABLES if t != "talk_participants"]
TASKS = ["send_orglife_reminders", "send_orglife_staff_digests", "check_activity_counts"]


def _rename(schema_editor, old_prefix, new_prefix):
    for table in TABLES:
        schema_editor.alter_db_table(None, f"{old_prefix}_{table}", f"{new_prefix}_{table}")


def rename_tables(apps, schema_editor):
    _rename(schema_editor, "branches", "orglife")


def unrename_tables(apps, schema_editor):
    _rename(schema_editor, "orglife", "branches")


def _move(apps, old, new):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label=old, model__in=CONTENT_TYPES).update(app_label=new)
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for task in TASKS:
        PeriodicTask.objects.filter(task=f"{old}.tasks.{task}").update(task=f"{new}.tasks.{task}")


def move_labels(apps, schema_editor):
    _move(apps, "branches", "orglife")


def unmove_labels(apps, schema_editor):
    _move(apps, "orglife", "branches")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('branches', '0008_activity_counts_backfill'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('django_celery_beat', '0019_alter_periodictasks_options'),
        ('members', '0007_member_active_orgs_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ActivityType',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.SlugField(max_length=40, unique=True, verbose_name='代码')),
                        ('name', models.CharField(max_length=40, unique=True, verbose_name='名称')),
                        ('category', models.CharField(choices=[('general_meeting', '党员大会'), ('committee_meeting', '支委会'), ('group_meeting', '党小组会'), ('lecture', '党课'), ('theme_day', '主题党日'), ('life_meeting', '组织生活会'), ('appraisal', '民主评议'), ('talk', '谈心谈话'), ('other', '其他活动')], default='other', max_length=20, verbose_name='类别')),
                        ('counts_for_completion', models.BooleanField(default=False, verbose_name='计入“三会一课”完成率')),
                        ('takes_attendance', models.BooleanField(default=True, verbose_name='登记出席')),
                        ('is_builtin', models.BooleanField(default=False, editable=False, verbose_name='内置类型')),
                        ('is_active', models.BooleanField(default=True, verbose_name='启用')),
                        ('order', models.PositiveSmallIntegerField(default=100, verbose_name='排序')),
                    ],
                    options={
                        'verbose_name': '活动类型',
                        'verbose_name_plural': '活动类型',
                        'ordering': ['order', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='Activity',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('title', models.CharField(max_length=120, verbose_name='主题')),
                        ('held_on', models.DateField(verbose_name='日期')),
                        ('starts_at', models.TimeField(blank=True, null=True, verbose_name='开始时间')),
                        ('ends_at', models.TimeField(blank=True, null=True, verbose_name='结束时间')),
                        ('place', models.CharField(blank=True, max_length=120, verbose_name='地点')),
                        ('lecturer', models.CharField(blank=True, max_length=60, verbose_name='授课人')),
                        ('lecture_title', models.CharField(blank=True, max_length=120, verbose_name='党课题目')),
                        ('topics', models.TextField(blank=True, verbose_name='议题')),
                        ('minutes', models.TextField(blank=True, verbose_name='会议纪要')),
                        ('resolutions', models.TextField(blank=True, verbose_name='决议')),
                        ('is_election', models.BooleanField(default=False, help_text='换届选举：到会须超过应到会有表决权党员的五分之四。', verbose_name='选举会议')),
                        ('status', models.CharField(choices=[('draft', '草稿'), ('submitted', '已提交')], default='draft', max_length=12, verbose_name='状态')),
                        ('submitted_at', models.DateTimeField(blank=True, null=True, verbose_name='提交时间')),
                        ('checkin_code', models.CharField(max_length=8, unique=True, verbose_name='签到码')),
                        ('is_deleted', models.BooleanField(default=False, verbose_name='已作废')),
                        ('deleted_reason', models.CharField(blank=True, max_length=200, verbose_name='作废原因')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True, db_index=True)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('host', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='members.member', verbose_name='主持人')),
                        ('organization', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='activities', to='branches.organization', verbose_name='党组织')),
                        ('recorder', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='members.member', verbose_name='记录人')),
                        ('submitted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('activity_type', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='activities', to='orglife.activitytype', verbose_name='活动类型')),
                    ],
                    options={
                        'verbose_name': '组织生活记录',
                        'verbose_name_plural': '组织生活记录',
                        'ordering': ['-held_on', '-starts_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='Attachment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('file', models.FileField(upload_to=orglife.models._attachment_path, verbose_name='文件')),
                        ('thumbnail', models.FileField(blank=True, upload_to=orglife.models._attachment_path, verbose_name='缩略图')),
                        ('original_name', models.CharField(max_length=200, verbose_name='文件名')),
                        ('kind', models.CharField(choices=[('image', '照片'), ('pdf', 'PDF'), ('word', 'Word 文档')], max_length=8, verbose_name='类型')),
                        ('content_type', models.CharField(max_length=100)),
                        ('size', models.PositiveIntegerField(verbose_name='大小（字节）')),
                        ('uploaded_at', models.DateTimeField(auto_now_add=True)),
                        ('is_deleted', models.BooleanField(default=False, verbose_name='已删除')),
                        ('activity', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attachments', to='orglife.activity', verbose_name='活动')),
                        ('uploaded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': '附件',
                        'verbose_name_plural': '附件',
                        'ordering': ['activity', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='Attendance',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('guest_name', models.CharField(blank=True, max_length=60, verbose_name='列席人员')),
                        ('status', models.CharField(choices=[('present', '出席'), ('late', '迟到'), ('leave', '请假'), ('absent', '缺席')], default='present', max_length=10, verbose_name='出席情况')),
                        ('leave_reason', models.CharField(blank=True, choices=[('sick', '病假'), ('personal', '事假'), ('official', '公假')], max_length=10, verbose_name='请假类别')),
                        ('note', models.CharField(blank=True, max_length=200, verbose_name='备注')),
                        ('checked_in_at', models.DateTimeField(blank=True, null=True, verbose_name='扫码签到时间')),
                        ('activity', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attendances', to='orglife.activity', verbose_name='活动')),
                        ('member', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='attendances', to='members.member', verbose_name='党员')),
                    ],
                    options={
                        'verbose_name': '出席情况',
                        'verbose_name_plural': '出席情况',
                        'ordering': ['activity', 'member__name', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='FrequencyRule',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('holder', models.CharField(choices=[('branch', '每个党支部'), ('group', '每个党小组'), ('committee', '设支委会的党支部'), ('member', '每名党员')], max_length=12, verbose_name='由谁召开')),
                        ('per', models.CharField(choices=[('month', '每月'), ('quarter', '每季度'), ('year', '每年')], max_length=8, verbose_name='周期')),
                        ('min_count', models.PositiveSmallIntegerField(help_text='0 表示该范围内不作要求。', verbose_name='至少次数')),
                        ('reason', models.CharField(blank=True, max_length=200, verbose_name='调整理由')),
                        ('source', models.CharField(blank=True, max_length=200, verbose_name='依据')),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('activity_type', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rules', to='orglife.activitytype', verbose_name='活动类型')),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('organization', models.ForeignKey(blank=True, help_text='留空为全局默认；选定组织则对其下全部组织生效。', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='frequency_rules', to='branches.organization', verbose_name='适用范围')),
                    ],
                    options={
                        'verbose_name': '频次要求',
                        'verbose_name_plural': '频次要求',
                        'ordering': ['activity_type__order', 'organization_id'],
                    },
                ),
                migrations.CreateModel(
                    name='HistoricalActivity',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('title', models.CharField(max_length=120, verbose_name='主题')),
                        ('held_on', models.DateField(verbose_name='日期')),
                        ('starts_at', models.TimeField(blank=True, null=True, verbose_name='开始时间')),
                        ('ends_at', models.TimeField(blank=True, null=True, verbose_name='结束时间')),
                        ('place', models.CharField(blank=True, max_length=120, verbose_name='地点')),
                        ('lecturer', models.CharField(blank=True, max_length=60, verbose_name='授课人')),
                        ('lecture_title', models.CharField(blank=True, max_length=120, verbose_name='党课题目')),
                        ('topics', models.TextField(blank=True, verbose_name='议题')),
                        ('minutes', models.TextField(blank=True, verbose_name='会议纪要')),
                        ('resolutions', models.TextField(blank=True, verbose_name='决议')),
                        ('is_election', models.BooleanField(default=False, help_text='换届选举：到会须超过应到会有表决权党员的五分之四。', verbose_name='选举会议')),
                        ('status', models.CharField(choices=[('draft', '草稿'), ('submitted', '已提交')], default='draft', max_length=12, verbose_name='状态')),
                        ('submitted_at', models.DateTimeField(blank=True, null=True, verbose_name='提交时间')),
                        ('checkin_code', models.CharField(db_index=True, max_length=8, verbose_name='签到码')),
                        ('is_deleted', models.BooleanField(default=False, verbose_name='已作废')),
                        ('deleted_reason', models.CharField(blank=True, max_length=200, verbose_name='作废原因')),
                        ('created_at', models.DateTimeField(blank=True, editable=False)),
                        ('updated_at', models.DateTimeField(blank=True, db_index=True, editable=False)),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('activity_type', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='orglife.activitytype', verbose_name='活动类型')),
                        ('created_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('host', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='members.member', verbose_name='主持人')),
                        ('organization', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='branches.organization', verbose_name='党组织')),
                        ('recorder', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='members.member', verbose_name='记录人')),
                        ('submitted_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'historical 组织生活记录',
                        'verbose_name_plural': 'historical 组织生活记录',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='HistoricalActivityType',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('code', models.SlugField(max_length=40, verbose_name='代码')),
                        ('name', models.CharField(db_index=True, max_length=40, verbose_name='名称')),
                        ('category', models.CharField(choices=[('general_meeting', '党员大会'), ('committee_meeting', '支委会'), ('group_meeting', '党小组会'), ('lecture', '党课'), ('theme_day', '主题党日'), ('life_meeting', '组织生活会'), ('appraisal', '民主评议'), ('talk', '谈心谈话'), ('other', '其他活动')], default='other', max_length=20, verbose_name='类别')),
                        ('counts_for_completion', models.BooleanField(default=False, verbose_name='计入“三会一课”完成率')),
                        ('takes_attendance', models.BooleanField(default=True, verbose_name='登记出席')),
                        ('is_builtin', models.BooleanField(default=False, editable=False, verbose_name='内置类型')),
                        ('is_active', models.BooleanField(default=True, verbose_name='启用')),
                        ('order', models.PositiveSmallIntegerField(default=100, verbose_name='排序')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'historical 活动类型',
                        'verbose_name_plural': 'historical 活动类型',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='HistoricalAttachment',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('file', models.TextField(max_length=100, verbose_name='文件')),
                        ('thumbnail', models.TextField(blank=True, max_length=100, verbose_name='缩略图')),
                        ('original_name', models.CharField(max_length=200, verbose_name='文件名')),
                        ('kind', models.CharField(choices=[('image', '照片'), ('pdf', 'PDF'), ('word', 'Word 文档')], max_length=8, verbose_name='类型')),
                        ('content_type', models.CharField(max_length=100)),
                        ('size', models.PositiveIntegerField(verbose_name='大小（字节）')),
                        ('uploaded_at', models.DateTimeField(blank=True, editable=False)),
                        ('is_deleted', models.BooleanField(default=False, verbose_name='已删除')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('activity', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='orglife.activity', verbose_name='活动')),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('uploaded_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'historical 附件',
                        'verbose_name_plural': 'historical 附件',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='HistoricalAttendance',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('guest_name', models.CharField(blank=True, max_length=60, verbose_name='列席人员')),
                        ('status', models.CharField(choices=[('present', '出席'), ('late', '迟到'), ('leave', '请假'), ('absent', '缺席')], default='present', max_length=10, verbose_name='出席情况')),
                        ('leave_reason', models.CharField(blank=True, choices=[('sick', '病假'), ('personal', '事假'), ('official', '公假')], max_length=10, verbose_name='请假类别')),
                        ('note', models.CharField(blank=True, max_length=200, verbose_name='备注')),
                        ('checked_in_at', models.DateTimeField(blank=True, null=True, verbose_name='扫码签到时间')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('activity', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='orglife.activity', verbose_name='活动')),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('member', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='members.member', verbose_name='党员')),
                    ],
                    options={
                        'verbose_name': 'historical 出席情况',
                        'verbose_name_plural': 'historical 出席情况',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='HistoricalFrequencyRule',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('holder', models.CharField(choices=[('branch', '每个党支部'), ('group', '每个党小组'), ('committee', '设支委会的党支部'), ('member', '每名党员')], max_length=12, verbose_name='由谁召开')),
                        ('per', models.CharField(choices=[('month', '每月'), ('quarter', '每季度'), ('year', '每年')], max_length=8, verbose_name='周期')),
                        ('min_count', models.PositiveSmallIntegerField(help_text='0 表示该范围内不作要求。', verbose_name='至少次数')),
                        ('reason', models.CharField(blank=True, max_length=200, verbose_name='调整理由')),
                        ('source', models.CharField(blank=True, max_length=200, verbose_name='依据')),
                        ('updated_at', models.DateTimeField(blank=True, editable=False)),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('activity_type', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='orglife.activitytype', verbose_name='活动类型')),
                        ('created_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('organization', models.ForeignKey(blank=True, db_constraint=False, help_text='留空为全局默认；选定组织则对其下全部组织生效。', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='branches.organization', verbose_name='适用范围')),
                    ],
                    options={
                        'verbose_name': 'historical 频次要求',
                        'verbose_name_plural': 'historical 频次要求',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='HistoricalPeriodClose',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('period', models.CharField(help_text='如 2025、2025-Q3、2025-09', max_length=10, verbose_name='期间')),
                        ('start', models.DateField(verbose_name='开始')),
                        ('end', models.DateField(verbose_name='结束')),
                        ('closed_at', models.DateTimeField(blank=True, editable=False)),
                        ('reopened_at', models.DateTimeField(blank=True, null=True, verbose_name='重新开放时间')),
                        ('reopen_reason', models.CharField(blank=True, max_length=200, verbose_name='重新开放原因')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('closed_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('organization', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='branches.organization', verbose_name='党组织')),
                        ('reopened_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'historical 期间关账',
                        'verbose_name_plural': 'historical 期间关账',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='HistoricalTalk',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('held_on', models.DateField(verbose_name='日期')),
                        ('topic', models.CharField(max_length=200, verbose_name='谈话主题')),
                        ('note', models.TextField(blank=True, verbose_name='主要内容')),
                        ('is_deleted', models.BooleanField(default=False, verbose_name='已作废')),
                        ('created_at', models.DateTimeField(blank=True, editable=False)),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('organization', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='branches.organization', verbose_name='党支部')),
                        ('recorded_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'historical 谈心谈话',
                        'verbose_name_plural': 'historical 谈心谈话',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='HistoricalVote',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('motion', '一般事项'), ('admission', '接收预备党员'), ('confirmation', '预备党员转正'), ('election', '选举')], default='motion', max_length=16, verbose_name='表决事项类型')),
                        ('subject', models.CharField(max_length=200, verbose_name='表决事项')),
                        ('yes', models.PositiveSmallIntegerField(verbose_name='赞成')),
                        ('no', models.PositiveSmallIntegerField(default=0, verbose_name='反对')),
                        ('abstain', models.PositiveSmallIntegerField(default=0, verbose_name='弃权')),
                        ('written_yes', models.PositiveSmallIntegerField(default=0, help_text='因故不能到会、会前提交书面意见的有表决权党员。', verbose_name='书面赞成意见')),
                        ('should_attend', models.PositiveSmallIntegerField(editable=False, verbose_name='应到会有表决权党员')),
                        ('present', models.PositiveSmallIntegerField(editable=False, verbose_name='实到有表决权党员')),
                        ('passed', models.BooleanField(editable=False, verbose_name='通过')),
                        ('created_at', models.DateTimeField(blank=True, editable=False)),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('activity', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='orglife.activity', verbose_name='党员大会')),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('recorded_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('subject_member', models.ForeignKey(blank=True, db_constraint=False, help_text='接收或转正须逐个表决。', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='members.member', verbose_name='涉及党员/申请人')),
                    ],
                    options={
                        'verbose_name': 'historical 表决',
                        'verbose_name_plural': 'historical 表决',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='PeriodClose',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('period', models.CharField(help_text='如 2025、2025-Q3、2025-09', max_length=10, verbose_name='期间')),
                        ('start', models.DateField(verbose_name='开始')),
                        ('end', models.DateField(verbose_name='结束')),
                        ('closed_at', models.DateTimeField(auto_now_add=True)),
                        ('reopened_at', models.DateTimeField(blank=True, null=True, verbose_name='重新开放时间')),
                        ('reopen_reason', models.CharField(blank=True, max_length=200, verbose_name='重新开放原因')),
                        ('closed_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('organization', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='period_closes', to='branches.organization', verbose_name='党组织')),
                        ('reopened_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': '期间关账',
                        'verbose_name_plural': '期间关账',
                        'ordering': ['-start', 'organization'],
                    },
                ),
                migrations.CreateModel(
                    name='Reminder',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('due', '即将到期'), ('overdue', '已逾期'), ('staff_digest', '逾期支部周报')], max_length=16, verbose_name='类型')),
                        ('key', models.CharField(max_length=120)),
                        ('title', models.CharField(max_length=200, verbose_name='标题')),
                        ('body', models.TextField(verbose_name='内容')),
                        ('url', models.CharField(blank=True, max_length=200)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('emailed_at', models.DateTimeField(blank=True, null=True)),
                        ('read_at', models.DateTimeField(blank=True, null=True, verbose_name='已读时间')),
                        ('organization', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='branches.organization')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='orglife_reminders', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': '组织生活提醒',
                        'verbose_name_plural': '组织生活提醒',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='Talk',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('held_on', models.DateField(verbose_name='日期')),
                        ('topic', models.CharField(max_length=200, verbose_name='谈话主题')),
                        ('note', models.TextField(blank=True, verbose_name='主要内容')),
                        ('is_deleted', models.BooleanField(default=False, verbose_name='已作废')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('organization', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='talks', to='branches.organization', verbose_name='党支部')),
                        ('participants', models.ManyToManyField(related_name='talks', to='members.member', verbose_name='谈话双方')),
                        ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': '谈心谈话',
                        'verbose_name_plural': '谈心谈话',
                        'ordering': ['-held_on', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='HistoricalTalk_participants',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='orglife.historicaltalk')),
                        ('member', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='members.member')),
                        ('talk', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='orglife.talk')),
                    ],
                    options={
                        'verbose_name': 'HistoricalTalk_participants',
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='Vote',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('motion', '一般事项'), ('admission', '接收预备党员'), ('confirmation', '预备党员转正'), ('election', '选举')], default='motion', max_length=16, verbose_name='表决事项类型')),
                        ('subject', models.CharField(max_length=200, verbose_name='表决事项')),
                        ('yes', models.PositiveSmallIntegerField(verbose_name='赞成')),
                        ('no', models.PositiveSmallIntegerField(default=0, verbose_name='反对')),
                        ('abstain', models.PositiveSmallIntegerField(default=0, verbose_name='弃权')),
                        ('written_yes', models.PositiveSmallIntegerField(default=0, help_text='因故不能到会、会前提交书面意见的有表决权党员。', verbose_name='书面赞成意见')),
                        ('should_attend', models.PositiveSmallIntegerField(editable=False, verbose_name='应到会有表决权党员')),
                        ('present', models.PositiveSmallIntegerField(editable=False, verbose_name='实到有表决权党员')),
                        ('passed', models.BooleanField(editable=False, verbose_name='通过')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('activity', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='votes', to='orglife.activity', verbose_name='党员大会')),
                        ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('subject_member', models.ForeignKey(blank=True, help_text='接收或转正须逐个表决。', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='members.member', verbose_name='涉及党员/申请人')),
                    ],
                    options={
                        'verbose_name': '表决',
                        'verbose_name_plural': '表决',
                        'ordering': ['activity', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='ActivityCount',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('year', models.PositiveSmallIntegerField()),
                        ('m1', models.PositiveIntegerField(default=0)),
                        ('m2', models.PositiveIntegerField(default=0)),
                        ('m3', models.PositiveIntegerField(default=0)),
                        ('m4', models.PositiveIntegerField(default=0)),
                        ('m5', models.PositiveIntegerField(default=0)),
                        ('m6', models.PositiveIntegerField(default=0)),
                        ('m7', models.PositiveIntegerField(default=0)),
                        ('m8', models.PositiveIntegerField(default=0)),
                        ('m9', models.PositiveIntegerField(default=0)),
                        ('m10', models.PositiveIntegerField(default=0)),
                        ('m11', models.PositiveIntegerField(default=0)),
                        ('m12', models.PositiveIntegerField(default=0)),
                        ('organization', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='branches.organization')),
                        ('activity_type', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='orglife.activitytype')),
                    ],
                    options={
                        'indexes': [models.Index(fields=['year', 'organization'], name='activity_count_year')],
                        'constraints': [models.UniqueConstraint(fields=('organization', 'activity_type', 'year'), name='activity_count_key')],
                    },
                ),
                migrations.AddIndex(
                    model_name='activity',
                    index=models.Index(condition=models.Q(('is_deleted', False), ('status', 'submitted')), fields=['organization', 'held_on', 'activity_type'], name='activity_org_date'),
                ),
                migrations.AddIndex(
                    model_name='activity',
                    index=models.Index(fields=['held_on'], name='activity_held_on'),
                ),
                migrations.AddIndex(
                    model_name='attendance',
                    index=models.Index(fields=['member', 'status'], name='attendance_member'),
                ),
                migrations.AddConstraint(
                    model_name='attendance',
                    constraint=models.UniqueConstraint(condition=models.Q(('member__isnull', False)), fields=('activity', 'member'), name='attendance_one_per_member'),
                ),
                migrations.AddConstraint(
                    model_name='attendance',
                    constraint=models.CheckConstraint(condition=models.Q(('member__isnull', False), models.Q(('guest_name', ''), _negated=True), _connector='OR'), name='attendance_member_or_guest'),
                ),
                migrations.AddConstraint(
                    model_name='frequencyrule',
                    constraint=models.UniqueConstraint(fields=('activity_type', 'organization'), name='rule_one_per_scope'),
                ),
                migrations.AddConstraint(
                    model_name='frequencyrule',
                    constraint=models.UniqueConstraint(condition=models.Q(('organization__isnull', True)), fields=('activity_type',), name='rule_one_default'),
                ),
                migrations.AddConstraint(
                    model_name='periodclose',
                    constraint=models.UniqueConstraint(condition=models.Q(('reopened_at__isnull', True)), fields=('organization', 'period'), name='period_close_one_open'),
                ),
                migrations.AddIndex(
                    model_name='reminder',
                    index=models.Index(fields=['user', 'read_at'], name='reminder_unread'),
                ),
                migrations.AddConstraint(
                    model_name='reminder',
                    constraint=models.UniqueConstraint(fields=('user', 'key'), name='reminder_once_per_key'),
                ),
                migrations.AddIndex(
                    model_name='talk',
                    index=models.Index(fields=['organization', 'held_on'], name='talk_org_date'),
                ),
            ],
            database_operations=[migrations.RunPython(rename_tables, unrename_tables)],
        ),
        migrations.RunPython(move_labels, unmove_labels),
    ]
