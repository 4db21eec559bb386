"""The one service that writes down who read whose personal data (个人信息访问记录, members.PiiAccess).

Every read of a full 身份证号 or of unmasked contact data goes through `pii_access_entries` (rows to write) and
`pii_access_log` (write them): the member page's 查看完整身份证号, a member's own view of her number, the
full-PII export, each API answer with personal data, and a duplicate-number message that names someone.
"""
from __future__ import annotations

from ..models import PiiAccess

Action = PiiAccess.Action


def pii_access_entries(*, user, action: str, members=(), detail: str = "",
                       ip_address: str | None = None) -> list[PiiAccess]:
    """Unsaved rows for one read: one per branch of the members read (`organization` = the branch,
    `member_ids` = who; `member` as well when one person was read), or one row without members (an export of a
    filtered list, described by `detail`). The log page scopes each row by its branch."""
    by_branch: dict[int, list[int]] = {}
    for m in members:   # Member instances, or the API list's value rows (named tuples with id and branch_id)
        by_branch.setdefault(m.branch_id, []).append(m.id)
    if not by_branch:
        return [PiiAccess(user=user, action=action, detail=detail[:200], ip_address=ip_address)]
    return [PiiAccess(user=user, organization_id=branch_id, member_ids=ids, member_id=ids[0] if len(ids) == 1 else None,
                      action=action, detail=detail[:200], ip_address=ip_address)
            for branch_id, ids in by_branch.items()]


def pii_access_log(*, user=None, action: str = "", members=(), detail: str = "", ip_address: str | None = None,
                   entries: list[PiiAccess] | None = None) -> list[PiiAccess]:
    """Write the rows of one read in one INSERT (a single statement: no transaction of its own is needed; a caller
    whose other work may be refused writes the log outside that work's transaction, as the import does)."""
    rows = entries if entries is not None else pii_access_entries(user=user, action=action, members=members,
                                                                   detail=detail, ip_address=ip_address)
    if not rows:
        return []
    return PiiAccess.objects.bulk_create(rows)
