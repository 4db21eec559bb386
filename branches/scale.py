"""Bulk seeding of the organization tree for `seed_scale` (no per-row saves); committees: members/scale.py."""
from __future__ import annotations

from datetime import date, timedelta

from .models import Organization, OrganizationKind

GROUPS_PER_BRANCH = 3


def _child_path(parent_path: str, index: int) -> str:
    return Organization._get_path(parent_path, len(parent_path) // Organization.steplen + 1, index)


def seed_tree(*, ctx) -> None:
    rng, n = ctx.rng, ctx.branches
    second = max(1, n // 100)
    # Beside any tree already there (the growth test scales the demo): the next free root position.
    last_root = Organization.objects.get_last_root_node()
    position = Organization._str2int(last_root.path) + 1 if last_root else 1
    prefix = "S0" if position == 1 else f"S{position}"
    root = Organization(name="中共某省直机关工作委员会", kind=OrganizationKind.COMMITTEE, code=prefix, depth=1,
                        path=_child_path("", position), numchild=second, established_on=date(1990, 7, 1))
    orgs = [root]
    per = [n // second + (1 if i < n % second else 0) for i in range(second)]
    branch_rows = []
    for i in range(second):
        kind = OrganizationKind.COMMITTEE if i % 3 == 0 else OrganizationKind.GENERAL_BRANCH
        mid = Organization(name=f"第{i + 1}机关{'党委' if kind == 'committee' else '党总支'}", kind=kind, code=f"{prefix}-{i + 1:03d}",
                           depth=2, path=_child_path(root.path, i + 1), numchild=per[i], established_on=date(1995, 1, 1))
        orgs.append(mid)
        for j in range(per[i]):
            est = date(2000, 1, 1) + timedelta(days=rng.randint(0, 8000))
            b = Organization(name=f"第{i + 1}单位第{j + 1}党支部", kind=OrganizationKind.BRANCH, code=f"{prefix}-{i + 1:03d}-{j + 1:04d}",
                             depth=3, path=_child_path(mid.path, j + 1), numchild=GROUPS_PER_BRANCH, established_on=est)
            orgs.append(b)
            branch_rows.append(b)
            for k in range(GROUPS_PER_BRANCH):
                orgs.append(Organization(name=f"第{k + 1}党小组", kind=OrganizationKind.PARTY_GROUP, code=f"{b.code}-G{k + 1}",
                                         depth=4, path=_child_path(b.path, k + 1), numchild=0, established_on=est))
    Organization.objects.bulk_create(orgs, batch_size=5000)
    ctx.data["root_path"] = root.path
    ctx.stdout.write(f"  组织 {len(orgs)} 个（党支部 {len(branch_rows)}）")


def seed_figures(*, ctx) -> None:
    """The stored organization figures (branches/figures.py) of the whole table, after the bulk inserts of the
    tree, its members and committees (bulk_create sends no signal)."""
    from .figures import rebuild

    ctx.stdout.write(f"  组织统计 {rebuild()} 行")
