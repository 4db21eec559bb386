"""作废 with one vocabulary (issue #15): the practice records take portal.tracking.VoidableModel.

    is_active=False     → is_voided=True (the inverse, on every row and every historical row)
    deactivated_reason  → void_reason (renamed: the values stay)
    + voided_at, voided_by

voided_at and voided_by of an already voided record come from its history: the change that voided it (the first
record of the last voided run), else its updated_at. The historical rows of that voided run get the same values,
so the 修改记录 shows no change that never happened. Reversible: back, is_active is the inverse of is_voided
again and deactivated_reason takes its name back.
"""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

VOIDABLE = ("attachment", "brand", "brandrecognition", "brandselectionround", "contactpoint", "contactvisit", "honour",
            "knowledgecontest", "notice", "studyplan", "studyrecord", "trainingcourse", "vanguardpost")
# The other models' time stamps now come from portal.tracking: verbose names only, no SQL.
STAMPED = {"brandentry": ("created_at", "updated_at"), "brandscore": ("updated_at",),
           "contactfinding": ("created_at", "updated_at"), "contactvisitrule": ("updated_at",),
           "contestresult": ("updated_at",), "postresult": ("created_at", "updated_at"), "studyplanitem": ("updated_at",),
           "trainingattendance": ("updated_at",)}
CHUNK = 2000


def void_stamps(history_rows):
    """(when, who) of the change that voided a record and the ids of the rows voided since, or None.

    `history_rows`: its historical rows oldest first as (history_id, history_date, history_user_id, is_voided).
    """
    start = None
    for i, (_hid, _when, _who, voided) in enumerate(history_rows):
        if voided and (i == 0 or not history_rows[i - 1][3]):
            start = i
        elif not voided:
            start = None
    if start is None:
        return None
    _hid, when, who, _voided = history_rows[start]
    return when, who, [row[0] for row in history_rows[start:]]


def stamp_voided(Model, History):
    voided = list(Model.objects.filter(is_voided=True).order_by("pk").values_list("pk", "updated_at"))
    for i in range(0, len(voided), CHUNK):
        chunk = dict(voided[i:i + CHUNK])
        rows = {}
        for pk, hid, when, who, flag in (History.objects.filter(id__in=chunk).order_by("id", "history_date", "history_id")
                                         .values_list("id", "history_id", "history_date", "history_user_id", "is_voided")):
            rows.setdefault(pk, []).append((hid, when, who, flag))
        records, history = [], []
        for pk, fallback in chunk.items():
            found = void_stamps(rows.get(pk, []))
            when, who, hids = found if found else (fallback, None, [])
            records.append(Model(pk=pk, voided_at=when, voided_by_id=who))
            history.extend(History(history_id=hid, voided_at=when, voided_by_id=who) for hid in hids)
        # bulk_update writes only these fields: updated_at keeps its value (no auto_now here)
        Model.objects.bulk_update(records, ["voided_at", "voided_by"], batch_size=500)
        History.objects.bulk_update(history, ["voided_at", "voided_by"], batch_size=500)


def forward(apps, schema_editor):
    for name in VOIDABLE:
        Model, History = apps.get_model("practice", name), apps.get_model("practice", f"historical{name}")
        Model.objects.filter(is_active=False).update(is_voided=True)
        History.objects.filter(is_active=False).update(is_voided=True)
        stamp_voided(Model, History)
    if schema_editor.connection.vendor == "postgresql":
        # voided_by was written: check its foreign keys now, so the ALTER TABLEs that follow in this
        # transaction do not meet pending trigger events
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def backward(apps, schema_editor):
    for name in VOIDABLE:
        for model_name in (name, f"historical{name}"):
            apps.get_model("practice", model_name).objects.filter(is_voided=True).update(is_active=False)


def _voided_by(historical):
    if historical:
        return models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING,
                                 related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="作废人")
    return models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                             to=settings.AUTH_USER_MODEL, verbose_name="作废人")


def _each_table():
    for name in VOIDABLE:
        yield name, False
        yield f"historical{name}", True


def add_void_fields():
    ops = []
    for model_name, historical in _each_table():
        ops += [
            migrations.AddField(model_name=model_name, name="is_voided",
                                field=models.BooleanField(db_index=True, default=False, verbose_name="已作废")),
            migrations.RenameField(model_name=model_name, old_name="deactivated_reason", new_name="void_reason"),
            migrations.AlterField(model_name=model_name, name="void_reason",
                                  field=models.CharField(blank=True, max_length=200, verbose_name="作废原因")),
            migrations.AddField(model_name=model_name, name="voided_at",
                                field=models.DateTimeField(blank=True, null=True, verbose_name="作废时间")),
            migrations.AddField(model_name=model_name, name="voided_by", field=_voided_by(historical)),
        ]
    return ops


def stamps():
    ops = []
    for name, fields in STAMPED.items():
        for model_name, historical in ((name, False), (f"historical{name}", True)):
            for field in fields:
                if field == "created_at":
                    new = (models.DateTimeField(blank=True, editable=False, verbose_name="创建时间") if historical
                           else models.DateTimeField(auto_now_add=True, verbose_name="创建时间"))
                else:
                    new = (models.DateTimeField(blank=True, db_index=True, editable=False, verbose_name="更新时间")
                           if historical else models.DateTimeField(auto_now=True, db_index=True, verbose_name="更新时间"))
                ops.append(migrations.AlterField(model_name=model_name, name=field, field=new))
    return ops


class Migration(migrations.Migration):

    dependencies = [
        ("practice", "0002_programmes_title_validity"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(model_name="brand", name="brand_org_active"),
        *add_void_fields(),
        migrations.RunPython(forward, backward),
        *[migrations.RemoveField(model_name=model_name, name="is_active") for model_name, _h in _each_table()],
        migrations.AddIndex(model_name="brand",
                            index=models.Index(fields=["organization", "is_voided"], name="brand_org_active")),
        *stamps(),
    ]
