"""作废 with one vocabulary (issue #15): activities, attachments and talks take portal.tracking.VoidableModel.

    is_deleted      → is_voided (renamed: the values stay; now indexed)
    deleted_reason  → void_reason (activities; renamed)
    + void_reason (attachments, talks), voided_at, voided_by

voided_at and voided_by of an already voided record come from its history: the change that voided it (the first
record of the last voided run), else — no history — its updated_at (activities) or its creation time. The
historical rows of that voided run get the same values, so the 修改记录 shows no change that never happened.
Reversible: back, the columns take their old names and the added ones go.
"""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# model, its fallback time of voiding when its history does not tell
VOIDABLE = (("activity", "updated_at"), ("attachment", "uploaded_at"), ("talk", "created_at"))
CHUNK = 2000


def void_stamps(history_rows):
    """(history_id, when, who) of the change that voided a record, and the ids of the rows voided since, or None.

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


def stamp_voided(Model, History, fallback_field):
    voided = list(Model.objects.filter(is_voided=True).order_by("pk").values_list("pk", fallback_field))
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
    for name, fallback in VOIDABLE:
        stamp_voided(apps.get_model("orglife", name), apps.get_model("orglife", f"historical{name}"), fallback)
    if schema_editor.connection.vendor == "postgresql":
        # voided_by was written: check its foreign keys now, so the ALTER TABLEs that follow in this
        # transaction do not meet pending trigger events
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _is_voided():
    return models.BooleanField(db_index=True, default=False, verbose_name="已作废")


def _void_reason():
    return models.CharField(blank=True, max_length=200, verbose_name="作废原因")


def _voided_at():
    return models.DateTimeField(blank=True, null=True, verbose_name="作废时间")


def _voided_by(historical):
    if historical:
        return models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING,
                                 related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="作废人")
    return models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                             to=settings.AUTH_USER_MODEL, verbose_name="作废人")


def void_fields():
    ops = []
    for name, _fallback in VOIDABLE:
        for model_name, historical in ((name, False), (f"historical{name}", True)):
            ops += [
                migrations.RenameField(model_name=model_name, old_name="is_deleted", new_name="is_voided"),
                migrations.AlterField(model_name=model_name, name="is_voided", field=_is_voided()),
                (migrations.RenameField(model_name=model_name, old_name="deleted_reason", new_name="void_reason")
                 if name == "activity" else migrations.AddField(model_name=model_name, name="void_reason", field=_void_reason())),
                migrations.AddField(model_name=model_name, name="voided_at", field=_voided_at()),
                migrations.AddField(model_name=model_name, name="voided_by", field=_voided_by(historical)),
            ]
    return ops


class Migration(migrations.Migration):

    dependencies = [
        ("orglife", "0003_compliance_results_stored"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The compliance index's condition names the field: dropped here, built again on is_voided below.
        migrations.RemoveIndex(model_name="activity", name="activity_org_date"),
        *void_fields(),
        migrations.AddIndex(
            model_name="activity",
            index=models.Index(condition=models.Q(("is_voided", False), ("status", "submitted")),
                               fields=["organization", "held_on", "activity_type"], name="activity_org_date"),
        ),
        migrations.RunPython(forward, migrations.RunPython.noop),
        # The time stamps now come from portal.tracking (verbose names only, no SQL).
        migrations.AlterField(model_name="activity", name="created_at",
                              field=models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
        migrations.AlterField(model_name="activity", name="updated_at",
                              field=models.DateTimeField(auto_now=True, db_index=True, verbose_name="更新时间")),
        migrations.AlterField(model_name="historicalactivity", name="created_at",
                              field=models.DateTimeField(blank=True, editable=False, verbose_name="创建时间")),
        migrations.AlterField(model_name="historicalactivity", name="updated_at",
                              field=models.DateTimeField(blank=True, db_index=True, editable=False, verbose_name="更新时间")),
        migrations.AlterField(model_name="historicaltalk", name="created_at",
                              field=models.DateTimeField(blank=True, editable=False, verbose_name="创建时间")),
        migrations.AlterField(model_name="historicalvote", name="created_at",
                              field=models.DateTimeField(blank=True, editable=False, verbose_name="创建时间")),
        migrations.AlterField(model_name="talk", name="created_at",
                              field=models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
        migrations.AlterField(model_name="vote", name="created_at",
                              field=models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
    ]
