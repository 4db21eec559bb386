"""The apps import only the apps below them, and only at module level (issue #15).

    portal ← branches ← members ← notifications ← orglife ← practice ← evaluations ← programmes ← inbox ← selfservice ← reports

(practice sits below evaluations: the evaluation metrics read practice's figures; practice hands findings to
evaluations' 整改 through the hook evaluations registers in practice/hooks.py.) An upward need goes through
a registry (portal/extensions.py, members.services.points.register_provider, reports.sources.register_source …)
or a signal. Every module of every app is parsed with `ast`, nothing is imported; migrations are history and
are left out. An AppConfig (apps.py) may import other apps inside ready(): models cannot load before it.
The project's composition roots — the root URLconf and the seeding commands — list every app by
design and are the only exceptions.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ORDER = ["portal", "branches", "members", "notifications", "orglife", "practice", "evaluations", "programmes", "inbox",
         "selfservice",
         "reports"]
RANK = {app: i for i, app in enumerate(ORDER)}
COMPOSITION_ROOTS = {
    "portal/urls.py",  # the root URLconf includes every app's URLs and API routers
    "portal/management/commands/seed_demo.py",  # loads every app's demo data, in dependency order
    "portal/management/commands/seed_scale.py",  # the same for the benchmark data set
}
DYNAMIC_IMPORTERS = {"import_module", "import_string", "__import__"}


def app_modules():
    for app in ORDER:
        for path in sorted((ROOT / app).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if "/migrations/" in rel or rel in COMPOSITION_ROOTS:
                continue
            yield app, rel, path


def _target_app(module: str | None) -> str | None:
    head = (module or "").split(".")[0]
    return head if head in RANK else None


def imports_of(path: Path):
    """(line, imported app, inside a function or class?) for every import of a project app in the file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []

    def visit(node, nested):
        for child in ast.iter_child_nodes(node):
            inner = nested or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend((child.lineno, _target_app(a.name), inner) for a in child.names)
            elif isinstance(child, ast.ImportFrom) and child.level == 0:
                found.append((child.lineno, _target_app(child.module), inner))
            elif isinstance(child, ast.Call):
                func = child.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
                if name in DYNAMIC_IMPORTERS and child.args and isinstance(child.args[0], ast.Constant) \
                        and isinstance(child.args[0].value, str):
                    found.append((child.lineno, _target_app(child.args[0].value), True))
            visit(child, inner)

    visit(tree, False)
    return [(line, app, nested) for line, app, nested in found if app]


def violations():
    upward, nested = [], []
    for app, rel, path in app_modules():
        for line, target, inner in imports_of(path):
            if RANK[target] > RANK[app]:
                upward.append(f"{rel}:{line} imports {target} (above {app})")
            elif inner and target != app and not rel.endswith("/apps.py"):
                nested.append(f"{rel}:{line} imports {target} inside a function or class")
    return upward, nested


def test_every_app_is_in_the_order():
    apps = {p.parent.name for p in ROOT.glob("*/apps.py")}
    assert apps == set(ORDER)


def test_no_app_imports_an_app_above_it():
    upward, _ = violations()
    assert upward == []


def test_no_app_imports_another_app_inside_a_function():
    _, nested = violations()
    assert nested == []


@pytest.mark.parametrize("source, expected", [
    ("from orglife.models import Activity\n", [(1, "orglife", False)]),
    ("def f():\n    from members import models\n", [(2, "members", True)]),
    ("import importlib\nimportlib.import_module('evaluations.models')\n", [(2, "evaluations", True)]),
    ("from . import models\nfrom django.db import models\n", []),
])
def test_the_checker_sees_imports(tmp_path, source, expected):
    path = tmp_path / "module.py"
    path.write_text(source)
    assert imports_of(path) == expected


def test_branches_reaches_members_through_the_relation_with_the_same_statuses():
    """branches cannot import members: its stand-ins must be members' own model and status values."""
    from branches.models import MEMBER_FULL, MEMBER_PROBATIONARY, member_model
    from members.models import Member, MemberStatus

    assert member_model() is Member
    assert (MEMBER_FULL, MEMBER_PROBATIONARY) == (MemberStatus.FULL, MemberStatus.PROBATIONARY)


def test_practice_hands_findings_to_evaluations_through_the_hook():
    from evaluations.services import rectification_create
    from practice import hooks

    assert hooks.rectification_create() is rectification_create
