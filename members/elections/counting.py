"""Election arithmetic, pure functions (《中国共产党基层组织选举工作条例》 as summarised in domain-rules §1.2).

- The 选举大会 is valid only if the voters present are more than 4/5 of those who should attend (branches.quorum).
- Candidates must outnumber the seats by at least the 差额 margin (20 % by default, configurable).
- A candidate is elected with yes votes above half of the voters who *should attend* (not of those present).
- More candidates above half than seats: the most votes win; a tie at the last seat leaves that seat to a re-vote
  among the tied. Fewer than the seats: the open seats go to another round (另行选举).
- Tally arithmetic: issued ≥ returned (more returned than issued voids the ballot), valid + invalid = returned, and
  for each candidate 赞成 + 反对 + 弃权 + 另选他人 = valid ballots; no ballot approves more people than seats.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

RETURNED_MORE_THAN_ISSUED = _("收回选票 {returned} 张多于发出的 {issued} 张，本轮选举无效，须重新投票。")
ISSUED_MORE_THAN_PRESENT = _("发出选票 {issued} 张多于到会有选举权党员 {present} 人。")
VALID_PLUS_INVALID = _("有效票 {valid} 张加无效票 {invalid} 张应等于收回选票 {returned} 张。")
CANDIDATE_SUM = _("{name}：赞成 {yes}、反对 {no}、弃权 {abstain}、另选他人 {other} 合计 {total}，应等于有效票 {valid} 张。")
TOO_MANY_APPROVALS = _("赞成票与另选他人票合计 {total} 张，超过每张选票最多可选 {seats} 人 × 有效票 {valid} 张。")
WRITE_IN_TOO_MANY = _("另选他人“{name}”得 {votes} 票，多于有效票 {valid} 张。")
NOT_ENOUGH_CANDIDATES = _("候选人 {count} 名，少于差额选举要求的 {needed} 名（应选 {seats} 名，差额不少于 {percent}%）。")


def min_candidates(seats: int, percent: int) -> int:
    """Smallest candidate count that is at least `percent` % more than `seats` (rounded up)."""
    return seats + math.ceil(seats * percent / 100)


def elected_threshold(should_attend: int) -> int:
    """Smallest yes count that is more than half of the voters who should attend."""
    return should_attend // 2 + 1


@dataclass(frozen=True)
class CandidateTally:
    key: int          # candidate id
    name: str
    yes: int
    no: int
    abstain: int
    other: int = 0


@dataclass
class Outcome:
    elected: list[int] = field(default_factory=list)   # candidate keys, most votes first
    tied: list[int] = field(default_factory=list)      # candidates tied for the last open seat(s): re-vote
    open_seats: int = 0                                # seats still to fill after this round


def check_tally(*, present: int, issued: int, returned: int, valid: int, invalid: int, seats: int,
                tallies: list[CandidateTally], write_ins: list[tuple[str, int]] = ()) -> list[str]:
    """Every arithmetic error in a round's tally (empty when it adds up)."""
    errors = []
    if returned > issued:
        errors.append(RETURNED_MORE_THAN_ISSUED.format(returned=returned, issued=issued))
    if issued > present:
        errors.append(ISSUED_MORE_THAN_PRESENT.format(issued=issued, present=present))
    if valid + invalid != returned:
        errors.append(VALID_PLUS_INVALID.format(valid=valid, invalid=invalid, returned=returned))
    for t in tallies:
        total = t.yes + t.no + t.abstain + t.other
        if total != valid:
            errors.append(CANDIDATE_SUM.format(name=t.name, yes=t.yes, no=t.no, abstain=t.abstain, other=t.other,
                                               total=total, valid=valid))
    for name, votes in write_ins:
        if votes > valid:
            errors.append(WRITE_IN_TOO_MANY.format(name=name, votes=votes, valid=valid))
    approvals = sum(t.yes for t in tallies) + sum(v for _, v in write_ins)
    if approvals > seats * valid:
        errors.append(TOO_MANY_APPROVALS.format(total=approvals, seats=seats, valid=valid))
    return errors


def count(*, should_attend: int, seats: int, tallies: list[CandidateTally]) -> Outcome:
    """Who is elected in this round: yes > half of should-attend, most votes first, ties at the cut re-voted."""
    threshold = elected_threshold(should_attend)
    passing = sorted((t for t in tallies if t.yes >= threshold), key=lambda t: -t.yes)
    if len(passing) <= seats:
        return Outcome(elected=[t.key for t in passing], open_seats=seats - len(passing))
    cut = passing[seats - 1].yes
    above = [t.key for t in passing if t.yes > cut]
    at_cut = [t.key for t in passing if t.yes == cut]
    if len(above) + len(at_cut) == seats:
        return Outcome(elected=above + at_cut)
    return Outcome(elected=above, tied=at_cut, open_seats=seats - len(above))
