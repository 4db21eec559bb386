"""One service writes the personal-data access log (issue #15): no other module creates PiiAccess rows, so a new
read of personal data cannot log differently (or forget the branch that scopes the row on the log page)."""
import ast
from pathlib import Path

import pytest

from members.models import PiiAccess
from members.services.pii import pii_access_entries, pii_access_log
from tests.members.factories import MemberFactory

ROOT = Path(__file__).resolve().parents[2]
SERVICE = ROOT / "members" / "services" / "pii.py"
SKIP = {".venv", "tests", "migrations", "node_modules", "benchmarks"}


def test_only_the_pii_service_creates_access_rows():
    offenders = []
    for path in ROOT.rglob("*.py"):
        if SKIP & set(path.relative_to(ROOT).parts) or path == SERVICE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            if isinstance(f, ast.Name) and f.id == "PiiAccess":
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} PiiAccess(...)")
            elif (isinstance(f, ast.Attribute) and f.attr in ("create", "bulk_create", "get_or_create")
                  and isinstance(f.value, ast.Attribute) and f.value.attr == "objects"
                  and isinstance(f.value.value, ast.Name) and f.value.value.id == "PiiAccess"):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} PiiAccess.objects.{f.attr}")
    assert not offenders, "write PII access rows through members/services/pii.py:\n" + "\n".join(offenders)


@pytest.mark.django_db
def test_rows_are_placed_by_branch(tree, users):
    a1 = [MemberFactory(branch=tree.a1) for _ in range(3)]
    b1 = MemberFactory(branch=tree.b1)
    rows = pii_access_log(user=users.staff, action=PiiAccess.Action.API, members=[*a1, b1], detail="GET /api/v1/")
    placed = {r.organization_id: (r.member_ids, r.member_id) for r in rows}
    assert placed == {tree.a1.pk: ([m.pk for m in a1], None), tree.b1.pk: ([b1.pk], b1.pk)}
    export, = pii_access_entries(user=users.staff, action=PiiAccess.Action.EXPORT, detail="x" * 300)
    assert export.organization_id is None and len(export.detail) == 200
