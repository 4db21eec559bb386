"""支部党员大会 arithmetic (《支部工作条例》第十一条; 《基层组织选举工作条例》).

- Voting rights: 正式党员 only; 预备党员 and members under 留党察看 have no vote.
- A meeting may decide only when more than half of the voting members who should attend are present.
- An election meeting needs more than four fifths of them present.
- A 支部委员会 meeting may decide only when more than half of the 委员 seated that day are present (第十二条).
- A motion passes when yes votes exceed half of the voting members who *should attend* (not of those present);
  written opinions of absent voting members given before the meeting count.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

NO_QUORUM = _("到会有表决权的党员 {present} 人，未超过应到会 {should} 人的半数，会议不能作出决定。")
NO_ELECTION_QUORUM = _("选举须到会有表决权的党员超过应到会 {should} 人的五分之四（至少 {needed} 人），实到 {present} 人。")
NOT_ENOUGH_YES = _("赞成 {yes} 票，未超过应到会有表决权党员 {should} 人的半数（至少 {needed} 票），未通过。")
NO_COMMITTEE_QUORUM = _("到会委员 {present} 人，未超过应到会委员 {should} 人的半数，支部委员会会议不能作出决定。")
TOO_MANY_VOTES = _("赞成、反对、弃权合计 {total} 票，超过实到有表决权党员 {present} 人。")


def has_vote(member, on_date: date) -> bool:
    """Whether `member` has 表决权 on `on_date`.

    The member lifecycle may define `Member.has_vote_on(date)` (留党察看 etc.); it wins when present.
    Otherwise: active, 正式党员, confirmed on or before the date.
    """
    custom = getattr(member, "has_vote_on", None)
    if callable(custom):
        return bool(custom(on_date))
    if not member.is_active and (member.left_on is None or member.left_on <= on_date):
        return False
    confirmed = getattr(member, "confirmed_on", None)
    return member.status == "full" and confirmed is not None and confirmed <= on_date


@dataclass(frozen=True)
class Quorum:
    should_attend: int   # voting members expected
    present: int         # voting members present (出席 or 迟到)
    election: bool = False
    committee: bool = False  # a 支委会: every seated 委员 counts, more than half must be present

    @property
    def needed(self) -> int:
        """Smallest head count that is strictly more than half (or 4/5 for elections)."""
        if self.election:
            return self.should_attend * 4 // 5 + 1
        return self.should_attend // 2 + 1

    @property
    def met(self) -> bool:
        if self.should_attend == 0:
            return False
        return self.present >= self.needed

    @property
    def reason(self) -> str:
        if self.met:
            return ""
        if self.committee:
            return NO_COMMITTEE_QUORUM.format(present=self.present, should=self.should_attend)
        if self.election:
            return NO_ELECTION_QUORUM.format(should=self.should_attend, needed=self.needed, present=self.present)
        return NO_QUORUM.format(present=self.present, should=self.should_attend)


def votes_needed(should_attend: int) -> int:
    return should_attend // 2 + 1


def motion_passes(*, yes: int, written_yes: int = 0, should_attend: int) -> bool:
    """Yes votes (present + written) must exceed half of the voting members who should attend."""
    return should_attend > 0 and (yes + written_yes) * 2 > should_attend
