"""Writes of the 创建 programmes: keyword-only functions, one transaction each; bad input raises ValidationError with a
Chinese message and changes nothing.

四强 / 红旗支部:  申报 (or 党委指定参评) → 推荐 (党总支, if configured) → 评定 (党委) → 公示 → 命名 (practice.Honour
                 with validity) → optional 上级机关再次命名 (a second Honour) → 摘牌/降级/升级 (TitleChange).
五星党员:         支部推荐 (eligibility: no 不合格 民主评议 grade in the year) → 党委评定 (标兵 marked) → 公示 → 命名.
Every step after its deadline needs an Extension recorded by staff for that branch.
"""
from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from branches.models import Organization, OrganizationKind
from evaluations.models import AdjustmentKind, BranchEvaluation, Step
from evaluations.services import result_adjust
from members.models import Grade
from portal.scoping import CHANGE, MANAGE, can
from practice.models import Honour, HonourKind, Level

from . import defaults
from .evidence import member_evidence
from .models import (
    BRANCH_PROGRAMMES,
    OPEN_STAGES,
    Action,
    Candidacy,
    ChangeKind,
    EntryKind,
    Extension,
    ItemEntry,
    Origin,
    Programme,
    Round,
    Stage,
    StepLog,
    TitleChange,
)

NO_RIGHT = _("您没有权限执行该操作。")
NOT_UNDER = _("该党支部不在本次创建活动的范围内。")
NOT_A_BRANCH = _("只有党支部可以参加该创建活动。")
ALREADY_IN = _("该对象已在本次活动中（{stage}）。")
DEADLINE_PASSED = _("{action}已于 {deadline:%Y年%m月%d日} 截止；逾期办理须由党务工作人员登记延期。")
WRONG_STAGE = _("当前环节为“{stage}”，不能执行“{action}”。")
REASON_REQUIRED = _("请填写原因。")
TEXT_REQUIRED = _("请填写内容。")
MATERIALS_REQUIRED = _("请填写申报材料和自评情况。")
BAD_DEADLINES = _("截止日期须依次为：申报 ≤ 推荐 ≤ 评定。")
CYCLE_NEEDED = _("“四强”创建须关联一个评星定级周期。")
NOT_FOUR_STRONG = _("该支部在评星定级周期中尚未发布结果，或结果未达到“四强”。")
PUBLICITY_RUNNING = _("公示期至 {end:%Y年%m月%d日} 结束，期满后才能命名。")
NO_HIGHER_BODY = _("本次活动未设置再次命名的上级机关。")
ALREADY_HIGHER = _("该支部已获上级机关命名。")
NOT_DESIGNATED = _("只有已命名的对象才能报上级机关命名。")
UNKNOWN_ITEM = _("“{item}”不是本次活动的标准条目。")
UNKNOWN_KIND = _("“{kind}”不是本次评选的类型。")
NOT_IN_PROGRESS = _("只有创建中的支部可以登记督办、自查。")
ITEMS_UNCHECKED = _("以下标准条目还没有自查记录：{items}。")
UNQUALIFIED = _("{name} {year} 年度民主评议等次为“不合格”，不能参评五星党员。")
NOT_ACTIVE_MEMBER = _("该党员不是本支部在册党员。")
TITLE_NOT_CURRENT = _("该称号已失效（已摘牌或已过期）。")
NOT_A_PROGRAMME_TITLE = _("该荣誉不是创建活动命名的称号。")
STARS_NEED_EVALUATION = _("该称号没有对应的评星定级结果，不能调整星级。")
EXTENSION_IN_PAST = _("延期日期不能早于今天。")
FUTURE_DATE = _("日期不能晚于今天。")


def _today(today):
    return today or timezone.localdate()


def _require(user, action: str, path: str) -> None:
    if not can(user, action, path):
        raise ValidationError(NO_RIGHT)


def _deadline(round: Round, action: str) -> date:
    return {Action.APPLY: round.apply_closes_on, Action.RECOMMEND: round.recommend_closes_on,
            Action.DECIDE: round.decide_closes_on}[action]


def check_deadline(*, round: Round, organization, action: str, today: date | None = None) -> Extension | None:
    """None when on time; the extension that allows a late action; else ValidationError."""
    today = _today(today)
    deadline = _deadline(round, action)
    if today <= deadline:
        return None
    ext = (Extension.objects.filter(round=round, organization=organization, action=action, until__gte=today)
           .order_by("-until").first())
    if ext is None:
        raise ValidationError(DEADLINE_PASSED.format(action=Action(action).label, deadline=deadline))
    return ext


def _log(candidacy: Candidacy, *, to: str, action: str, by, comment: str = "", extension=None,
         from_stage: str | None = None) -> StepLog:
    before = candidacy.stage if from_stage is None else from_stage
    candidacy.stage = to
    candidacy._history_user = by
    candidacy.save()
    return StepLog.objects.create(candidacy=candidacy, action=action, from_stage=before, to_stage=to,
                                  comment=comment, extension=extension, by=by)


def _require_stage(candidacy: Candidacy, stages, action: str) -> None:
    if candidacy.stage not in stages:
        raise ValidationError(WRONG_STAGE.format(stage=Stage(candidacy.stage).label, action=gettext(action)))


# --- rounds ------------------------------------------------------------------------------------------------------


@transaction.atomic
def round_create(*, organization, programme: str, year: int, name: str, by, apply_closes_on: date,
                 recommend_closes_on: date, decide_closes_on: date, cycle=None, items: list | None = None,
                 **config) -> Round:
    """A committee opens a round. Items default to the researched lists (defaults.py), copied into the round."""
    _require(by, MANAGE, organization.path)
    if not (apply_closes_on <= recommend_closes_on <= decide_closes_on):
        raise ValidationError({"decide_closes_on": BAD_DEADLINES})
    if programme == Programme.FOUR_STRONG and cycle is None:
        raise ValidationError({"cycle": CYCLE_NEEDED})
    if items is None:
        items = {Programme.RED_FLAG: defaults.RED_FLAG_ITEMS,
                 Programme.FIVE_STAR: defaults.FIVE_STAR_KINDS}.get(programme, [])
    rnd = Round(organization=organization, programme=programme, year=year, name=name.strip(), cycle=cycle,
                apply_closes_on=apply_closes_on, recommend_closes_on=recommend_closes_on,
                decide_closes_on=decide_closes_on, items=[dict(i) for i in items], created_by=by, **config)
    rnd.full_clean()
    rnd._history_user = by
    rnd.save()
    return rnd


@transaction.atomic
def extension_grant(*, round: Round, organization, action: str, until: date, reason: str, by,
                    today: date | None = None) -> Extension:
    """Staff of the round's committee let one branch act late; the reason stays on record and on the step log."""
    _require(by, MANAGE, round.organization.path)
    if not (reason or "").strip():
        raise ValidationError({"reason": REASON_REQUIRED})
    if until < _today(today):
        raise ValidationError({"until": EXTENSION_IN_PAST})
    ext = Extension(round=round, organization=organization, action=action, until=until, reason=reason.strip(),
                    granted_by=by)
    ext.full_clean()
    ext.save()
    return ext


# --- 申报 / 推荐 / 评定 / 公示 / 命名 (branches) ---------------------------------------------------------------------


def _check_branch(round: Round, organization) -> None:
    if not organization.path.startswith(round.organization.path):
        raise ValidationError(NOT_UNDER)
    if not organization.is_branch:
        raise ValidationError(NOT_A_BRANCH)


def _no_duplicate(round: Round, **who) -> None:
    existing = Candidacy.objects.filter(round=round, **who).first()
    if existing is not None:
        raise ValidationError(ALREADY_IN.format(stage=existing.get_stage_display()))


@transaction.atomic
def candidacy_apply(*, round: Round, organization, by, materials: str, self_assessment: str,
                    today: date | None = None) -> Candidacy:
    """A branch applies with its materials and self-assessment (its secretary or staff above it), by the deadline."""
    if round.programme not in BRANCH_PROGRAMMES:
        raise ValidationError(NOT_A_BRANCH)
    _check_branch(round, organization)
    _require(by, CHANGE, organization.path)
    if not (materials or "").strip() or not (self_assessment or "").strip():
        raise ValidationError(MATERIALS_REQUIRED)
    _no_duplicate(round, organization=organization, member__isnull=True)
    ext = check_deadline(round=round, organization=organization, action=Action.APPLY, today=today)
    cand = Candidacy(round=round, organization=organization, origin=Origin.APPLIED, materials=materials.strip(),
                     self_assessment=self_assessment.strip())
    cand._history_user = by
    cand.save()
    _log(cand, to=Stage.APPLIED, from_stage="", action=gettext_noop("申报"), by=by, extension=ext)
    return cand


@transaction.atomic
def candidacy_nominate(*, round: Round, organization, by, reason: str) -> Candidacy:
    """The 党委 rates a branch that did not apply (no deadline: the 党委 decides whom it rates)."""
    _require(by, MANAGE, round.organization.path)
    _check_branch(round, organization)
    if not (reason or "").strip():
        raise ValidationError({"reason": REASON_REQUIRED})
    _no_duplicate(round, organization=organization, member__isnull=True)
    cand = Candidacy(round=round, organization=organization, origin=Origin.NOMINATED)
    cand._history_user = by
    cand.save()
    _log(cand, to=Stage.APPLIED, from_stage="", action=gettext_noop("党委指定参评"), by=by, comment=reason.strip())
    return cand


def recommending_org(candidacy: Candidacy):
    """The 党总支 that recommends, or None when the 党委 decides directly (branch under the 党委, or not configured)."""

    if not candidacy.round.general_branch_recommends:
        return None
    parent = Organization.objects.filter(path=candidacy.organization.parent_path).first()
    if parent is None or parent.kind != OrganizationKind.GENERAL_BRANCH or parent.pk == candidacy.round.organization_id:
        return None
    return parent


@transaction.atomic
def candidacy_recommend(*, candidacy: Candidacy, by, recommend: bool, note: str = "",
                        today: date | None = None) -> Candidacy:
    """The level above (党总支) recommends, or does not, by the recommendation deadline."""
    _require_stage(candidacy, [Stage.APPLIED], gettext_noop("推荐"))
    upper = recommending_org(candidacy) or candidacy.round.organization
    _require(by, MANAGE, upper.path)
    if not recommend and not (note or "").strip():
        raise ValidationError({"note": REASON_REQUIRED})
    ext = check_deadline(round=candidacy.round, organization=candidacy.organization, action=Action.RECOMMEND,
                         today=today)
    _log(candidacy, to=Stage.RECOMMENDED if recommend else Stage.NOT_RECOMMENDED,
         action=gettext_noop("推荐") if recommend else gettext_noop("不予推荐"), by=by,
         comment=f"{upper.name}：{note.strip()}".strip("："), extension=ext)
    return candidacy


def _four_strong_result(candidacy: Candidacy):

    return (BranchEvaluation.objects.filter(cycle_id=candidacy.round.cycle_id, organization_id=candidacy.organization_id,
                                            step=Step.RESULT).first())


@transaction.atomic
def candidacy_decide(*, candidacy: Candidacy, by, approve: bool, note: str = "", is_model: bool = False,
                     today: date | None = None) -> Candidacy:
    """评定 by the 党委. 四强 needs the cycle's published result to be 四强; 红旗支部 needs a 自查 on every item.
    Approval opens the 公示."""
    rnd = candidacy.round
    needs_recommendation = candidacy.member_id is not None or recommending_org(candidacy) is not None
    _require_stage(candidacy, [Stage.RECOMMENDED] if needs_recommendation else [Stage.APPLIED, Stage.RECOMMENDED],
                   gettext_noop("评定"))
    _require(by, MANAGE, rnd.organization.path)
    if not approve and not (note or "").strip():
        raise ValidationError({"note": REASON_REQUIRED})
    today = _today(today)
    ext = check_deadline(round=rnd, organization=candidacy.organization, action=Action.DECIDE, today=today)
    if approve and rnd.programme == Programme.FOUR_STRONG:
        result = _four_strong_result(candidacy)
        if result is None or not result.four_strong:
            raise ValidationError(NOT_FOUR_STRONG)
        candidacy.proposed_stars = result.stars
    if approve and rnd.programme == Programme.RED_FLAG:
        checked = set(candidacy.entries.filter(kind=EntryKind.SELF_CHECK).values_list("item", flat=True))
        missing = [i["name"] for i in rnd.items if i["code"] not in checked]
        if missing:
            raise ValidationError(ITEMS_UNCHECKED.format(items="、".join(missing)))
    if approve:
        candidacy.publicity_starts_on = today
        candidacy.publicity_ends_on = today + timedelta(days=rnd.publicity_days)
        candidacy.is_model = bool(is_model) and rnd.programme == Programme.FIVE_STAR
    _log(candidacy, to=Stage.PUBLICITY if approve else Stage.REJECTED,
         action=gettext_noop("评定通过") if approve else gettext_noop("评定未通过"), by=by, comment=note.strip(),
         extension=ext)
    return candidacy


def _title_kind(programme: str) -> str:

    return {Programme.FOUR_STRONG: HonourKind.FOUR_STRONG, Programme.RED_FLAG: HonourKind.RED_FLAG,
            Programme.FIVE_STAR: HonourKind.FIVE_STAR}[programme]


def _honour(candidacy: Candidacy, *, by, on: date, level: str, issuer: str, designated_by, title: str = ""):

    rnd = candidacy.round
    honour = Honour(kind=_title_kind(rnd.programme), title=title, level=level, year=rnd.year, awarded_on=on,
                    valid_until=on + relativedelta(years=rnd.validity_years) - timedelta(days=1), issuer=issuer,
                    designated_by=designated_by, member=candidacy.member, organization=candidacy.organization)
    honour.full_clean()
    honour._history_user = by
    honour.save()
    return honour


@transaction.atomic
def candidacy_designate(*, candidacy: Candidacy, by, today: date | None = None) -> Candidacy:
    """命名 after the 公示: the title (practice.Honour) with its start, end and designating body."""

    _require_stage(candidacy, [Stage.PUBLICITY], gettext_noop("命名"))
    rnd = candidacy.round
    _require(by, MANAGE, rnd.organization.path)
    today = _today(today)
    if rnd.publicity_days and today <= candidacy.publicity_ends_on:
        raise ValidationError(PUBLICITY_RUNNING.format(end=candidacy.publicity_ends_on))
    title = ""
    if rnd.programme == Programme.FIVE_STAR:
        # stored data (the title as designated), in the data language like the round's items
        title = f"五星党员（{candidacy.kind_name}）" + ("·标兵" if candidacy.is_model else "")
    candidacy.title = _honour(candidacy, by=by, on=today, level=Level.UNIT, issuer=rnd.organization.name,
                              designated_by=rnd.organization, title=title)
    _log(candidacy, to=Stage.DESIGNATED, action=gettext_noop("命名"), by=by,
         comment=gettext("有效期至 {until:%Y-%m-%d}").format(until=candidacy.title.valid_until))
    return candidacy


@transaction.atomic
def candidacy_designate_higher(*, candidacy: Candidacy, by, on: date, document: str = "",
                               today: date | None = None) -> Candidacy:
    """A higher body (工委/上级机关) designates again from those the 党委 designated: a second title, its own count."""

    rnd = candidacy.round
    _require(by, MANAGE, rnd.organization.path)
    if not rnd.higher_body:
        raise ValidationError(NO_HIGHER_BODY)
    if on > _today(today):
        raise ValidationError({"on": FUTURE_DATE})
    if candidacy.stage != Stage.DESIGNATED or candidacy.title is None or not candidacy.title.is_current(on):
        raise ValidationError(NOT_DESIGNATED)
    if candidacy.higher_title_id:
        raise ValidationError(ALREADY_HIGHER)
    candidacy.higher_title = _honour(candidacy, by=by, on=on, level=Level.SYSTEM, issuer=rnd.higher_body,
                                     designated_by=None)
    candidacy._history_user = by
    candidacy.save(update_fields=["higher_title", "updated_at"])
    StepLog.objects.create(candidacy=candidacy, action=gettext_noop("上级机关命名"), from_stage=Stage.DESIGNATED,
                           to_stage=Stage.DESIGNATED, comment=f"{rnd.higher_body} {document}".strip(), by=by)
    return candidacy


# --- 红旗支部: 督办/自查 -------------------------------------------------------------------------------------------


@transaction.atomic
def item_entry_add(*, candidacy: Candidacy, item: str, kind: str, text: str, by, on: date | None = None,
                   today: date | None = None) -> ItemEntry:
    """自查 by the branch (CHANGE on it), 督办 by the level above (MANAGE above the branch), while 创建中."""
    if candidacy.round.programme != Programme.RED_FLAG or candidacy.stage not in OPEN_STAGES:
        raise ValidationError(NOT_IN_PROGRESS)
    if item not in {i["code"] for i in candidacy.round.items}:
        raise ValidationError({"item": UNKNOWN_ITEM.format(item=item)})
    if kind == EntryKind.SUPERVISION:
        _require(by, MANAGE, candidacy.organization.parent_path)
    else:
        _require(by, CHANGE, candidacy.organization.path)
    if not (text or "").strip():
        raise ValidationError({"text": TEXT_REQUIRED})
    today = _today(today)
    on = on or today
    if on > today:
        raise ValidationError({"on": FUTURE_DATE})
    entry = ItemEntry(candidacy=candidacy, item=item, kind=kind, on=on, text=text.strip(), by=by)
    entry.full_clean()
    entry.save()
    return entry


# --- 五星党员 ------------------------------------------------------------------------------------------------------


def five_star_eligibility(*, member, year: int, evidence: dict | None = None) -> str | None:
    """None when eligible; otherwise the reason (a 不合格 民主评议 grade in the year)."""

    evidence = evidence if evidence is not None else member_evidence(member=member, year=year)
    if evidence.get("appraisal_grade") == Grade.UNQUALIFIED:
        return UNQUALIFIED.format(name=member.name, year=year)
    return None


@transaction.atomic
def five_star_recommend(*, round: Round, member, kind: str, by, materials: str = "",
                        today: date | None = None) -> Candidacy:
    """The branch recommends one of its members for one kind; the portal's evidence is kept with the nomination."""
    if round.programme != Programme.FIVE_STAR:
        raise ValidationError(UNKNOWN_KIND.format(kind=kind))
    if kind not in {k["code"] for k in round.items}:
        raise ValidationError({"kind": UNKNOWN_KIND.format(kind=kind)})
    branch = member.branch
    _check_branch(round, branch)
    _require(by, CHANGE, branch.path)
    if not member.is_active:
        raise ValidationError({"member": NOT_ACTIVE_MEMBER})
    evidence = member_evidence(member=member, year=round.year)
    reason = five_star_eligibility(member=member, year=round.year, evidence=evidence)
    if reason:
        raise ValidationError({"member": reason})
    _no_duplicate(round, member=member)
    ext = check_deadline(round=round, organization=branch, action=Action.RECOMMEND, today=today)
    cand = Candidacy(round=round, organization=branch, member=member, kind=kind, origin=Origin.RECOMMENDED,
                     materials=(materials or "").strip(), evidence=evidence)
    cand._history_user = by
    cand.save()
    _log(cand, to=Stage.RECOMMENDED, from_stage="", action=gettext_noop("支部推荐"), by=by, extension=ext)
    return cand


# --- 动态管理: 摘牌 / 降级 / 升级 -------------------------------------------------------------------------------------


def _candidacy_of(honour):
    return (Candidacy.objects.filter(title=honour).select_related("round").first()
            or Candidacy.objects.filter(higher_title=honour).select_related("round").first())


def _revoke(honour, *, on: date, reason: str, by) -> None:
    if honour is None or not honour.is_current(on):
        return
    honour.revoked_on = on
    honour.revoke_reason = reason
    honour._history_user = by
    honour.save(update_fields=["revoked_on", "revoke_reason", "updated_at"])


@transaction.atomic
def title_change(*, honour, kind: str, reason: str, by, to_stars: int | None = None, evidence: str = "",
                 decided_on: date | None = None, uploads=()) -> TitleChange:
    """摘牌, 降级 or 升级 between rounds, with reason and evidence. For 四强 the star level lives on the evaluation
    result (evaluations.result_adjust does the change and keeps the files); a 降级 below the 四强 level, or a
    摘牌, ends the title and any higher body's title given on it."""

    cand = _candidacy_of(honour)
    if cand is None:
        raise ValidationError(NOT_A_PROGRAMME_TITLE)
    _require(by, MANAGE, cand.round.organization.path)
    if not (reason or "").strip():
        raise ValidationError({"reason": REASON_REQUIRED})
    decided_on = decided_on or timezone.localdate()
    if not honour.is_current(decided_on):
        raise ValidationError(TITLE_NOT_CURRENT)
    result = _four_strong_result(cand) if cand.round.programme == Programme.FOUR_STRONG else None
    adjustment, from_stars = None, (result.stars if result else None)
    if kind == ChangeKind.REVOKE:
        if result is not None and result.four_strong:
            adjustment = result_adjust(evaluation=result, by=by, kind=AdjustmentKind.REVOKE_FOUR_STRONG,
                                       reason=reason, decided_on=decided_on, uploads=uploads)
        to_stars = from_stars
    else:
        if result is None:
            raise ValidationError(STARS_NEED_EVALUATION)
        adjustment = result_adjust(evaluation=result, by=by, reason=reason, decided_on=decided_on, uploads=uploads,
                                   to_stars=to_stars, kind=AdjustmentKind.LOWER_STARS if kind == ChangeKind.DOWNGRADE
                                   else AdjustmentKind.RAISE_STARS)
        result.refresh_from_db()
    if kind == ChangeKind.REVOKE or (result is not None and not result.four_strong):
        _revoke(cand.title, on=decided_on, reason=reason.strip(), by=by)
        _revoke(cand.higher_title, on=decided_on, reason=reason.strip(), by=by)
    change = TitleChange(honour=honour, kind=kind, from_stars=from_stars, to_stars=to_stars, reason=reason.strip(),
                         evidence=(evidence or "").strip(), adjustment=adjustment, decided_on=decided_on, by=by)
    change._history_user = by
    change.save()
    return change


def titles_to_remind(*, today: date | None = None):
    """Current programme titles whose end falls within their round's reminder window and not yet reminded."""
    from django.db.models import F


    today = _today(today)
    return (Honour.objects.current(today).filter(candidacy__isnull=False, expiry_reminded_on__isnull=True)
            .annotate(window=F("candidacy__round__remind_days"))
            .select_related("organization", "member", "candidacy__round"))


_reminder_hooks: list = []


def register_expiry_hook(func) -> None:
    """func(honour) is called once per title coming up for expiry. A message service (notifications/, when it
    lands on main) registers here; until then the default hook e-mails the branch's secretaries and staff above."""
    if func not in _reminder_hooks:
        _reminder_hooks.append(func)


def expiry_hooks() -> list:
    return list(_reminder_hooks)


def remind_expiring(*, today: date | None = None) -> int:
    """Remind each title once, `remind_days` ahead of its end; returns how many were reminded."""
    today = _today(today)
    count = 0
    for honour in titles_to_remind(today=today):
        if honour.valid_until is None or honour.valid_until - timedelta(days=honour.window) > today:
            continue
        with transaction.atomic():

            if not Honour.objects.filter(pk=honour.pk, expiry_reminded_on__isnull=True).update(expiry_reminded_on=today):
                continue  # another run took it
            for hook in expiry_hooks():
                transaction.on_commit(lambda h=hook, pk=honour.pk: h(pk))
        count += 1
    return count
