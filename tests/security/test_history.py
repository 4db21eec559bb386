"""Nothing lost: every record a person can change keeps its change history (django-simple-history)."""
from django.apps import apps

DOMAIN_APPS = ("branches", "members", "orglife", "evaluations", "practice", "reports", "portal", "notifications")

# Append-only logs and derived/scratch rows: never edited, so a history of them would repeat the row itself.
NO_HISTORY = {
    "portal.IdempotencyKey": "scratch: replayed API responses, 24 h",
    "branches.ApiRequestLog": "append-only log of API use",
    "branches.OrganizationFigures": "derived: counts of members, seats and organizations (which keep history), "
                                    "recounted by organization_figures --rebuild",
    "orglife.Reminder": "append-only log of reminders sent",
    "members.MembershipMove": "append-only log of moves (the member's own history also records them)",
    "members.PiiAccess": "append-only audit log of PII access",
    "evaluations.TransitionLog": "append-only log of workflow steps",
    "evaluations.AutomaticValue": "derived from records, recomputed on refresh",
    "orglife.AttendanceCount": "derived: attendance counts of the records (which keep history), rebuilt by "
                               "activity_counts",
    "orglife.ActivityCount": "derived: counts of the records (which keep history), rebuilt by activity_counts",
    "members.PointsTotal": "derived: yearly 积分 recounted from the records (which keep history), points_totals --repair",
    "members.PointsBranchTotal": "derived: each branch's sum of the stored yearly 积分 totals, points_totals --repair",
    "members.DuesArrear": "derived: this month's 欠缴 standing by the rule on the dues records (which keep history), "
                          "rebuilt by the monthly generation and the nightly check",
    "members.DuesMonthTotal": "derived: sums of the dues records (which keep history) per organization and month, "
                              "rebuilt by the nightly check",
    "orglife.ComplianceWindow": "derived: the compliance engine's stored window results, recomputed from the records "
                                "(which keep history), compliance_results --repair",
    "orglife.ComplianceStanding": "derived: each compliance row's figures as of each month, from its stored windows, "
                                  "compliance_results --repair",
    "orglife.ComplianceRollup": "derived: a subtree's standings summed per month, moved by the writes of the "
                                "standings, compliance_results --repair",
    "orglife.ComplianceYear": "derived: which years' compliance results are stored, compliance_results --rebuild",
    "evaluations.Attachment": "evidence files are added, never edited or deleted",
    "evaluations.RectificationUpdate": "append-only progress reports of a rectification",
    "reports.ReportJob": "job state of a generated file, not an archive record",
    "reports.ReportPart": "scratch data of a running committee report",
    "practice.NoticeReceipt": "append-only read receipts",
    "notifications.Message": "append-only outbox: a notice sent to a user; only read_at changes",
    "notifications.Delivery": "delivery state of a message; attempts and last_error are its own log",
}


def test_every_domain_model_keeps_history_unless_it_is_an_append_only_log():
    missing, stale = [], []
    for model in apps.get_models():
        label = f"{model._meta.app_label}.{model.__name__}"
        if model._meta.app_label not in DOMAIN_APPS or model.__name__.startswith("Historical"):
            continue
        has_history = hasattr(model, "history")
        if not has_history and label not in NO_HISTORY:
            missing.append(label)
        if has_history and label in NO_HISTORY:
            stale.append(label)
    assert not missing, f"subclass portal.tracking.TrackedModel (or list with a reason in NO_HISTORY): {missing}"
    assert not stale, f"has history now; remove from NO_HISTORY: {stale}"
