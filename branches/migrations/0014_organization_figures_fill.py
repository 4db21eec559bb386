"""Fill the stored organization figures from the existing rows.

Self-contained (historical models, a few grouped queries, bulk inserts): a migration must not follow later changes
of branches.figures, whose `recount` this repeats. Reversing empties the table."""
from django.db import migrations
from django.db.models import Count, Q

BRANCH_KINDS = {"branch", "joint_branch", "temporary_branch"}
KIND_FIELDS = {"subtree_branches": BRANCH_KINDS, "subtree_groups": {"party_group"},
               "subtree_general_branches": {"general_branch"}}
STEP = 4


def fill(apps, schema_editor):
    Organization = apps.get_model("branches", "Organization")
    Figures = apps.get_model("branches", "OrganizationFigures")
    Member = apps.get_model("members", "Member")
    Term = apps.get_model("branches", "CommitteeTerm")
    Seat = apps.get_model("branches", "CommitteeSeat")
    members = {r[0]: r[1:] for r in Member.objects.filter(is_active=True).order_by().values("branch_id").annotate(
        n=Count("pk"), full=Count("pk", filter=Q(status="full")), prob=Count("pk", filter=Q(status="probationary"))
    ).values_list("branch_id", "n", "full", "prob")}
    ends = dict(Term.objects.filter(closed_on__isnull=True).order_by("organization_id", "started_on")
                .values_list("organization_id", "ends_on"))   # the latest open term wins
    seats = dict(Seat.objects.filter(term__closed_on__isnull=True, ended_on__isnull=True).order_by()
                 .values("term__organization_id").annotate(n=Count("pk")).values_list("term__organization_id", "n"))
    tree = list(Organization.objects.order_by("path").values_list("pk", "path", "kind", "dissolved_on"))
    rows, by_path = {}, {}
    for pk, path, kind, dissolved_on in tree:
        n, full, prob = members.get(pk, (0, 0, 0))
        row = {"members": n, "full_members": full, "probationary": prob, "seats": seats.get(pk, 0),
               "term_ends_on": ends.get(pk), "subtree_members": n, "subtree_probationary": prob}
        row |= {f: int(dissolved_on is None and kind in kinds) for f, kinds in KIND_FIELDS.items()}
        rows[pk] = by_path[path] = row
    for pk, path, kind, dissolved_on in reversed(tree):
        parent = by_path.get(path[:-STEP])
        if parent is not None:
            for f in ("subtree_members", "subtree_probationary", *KIND_FIELDS):
                parent[f] += rows[pk][f]
    Figures.objects.all().delete()
    Figures.objects.bulk_create((Figures(organization_id=pk, **row) for pk, row in rows.items()), batch_size=5000)


def empty(apps, schema_editor):
    apps.get_model("branches", "OrganizationFigures").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("branches", "0013_organization_figures"), ("members", "0017_points_totals_fill")]
    operations = [migrations.RunPython(fill, empty)]
