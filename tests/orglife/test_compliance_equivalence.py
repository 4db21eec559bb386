"""The compliance engine against a deliberately naive reference, on randomized (seeded) trees.

The engine counts in grouped queries and evaluates in one tight pass; the reference below reads every record and
counts it per organization, rule window and member, with no grouping and no shortcuts. Both must give the same
cells, windows, states, member counts and committee flags for whole trees, subtrees, scattered selections,
type filters, `due_now` and `completion_rates`.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from branches.models import BRANCH_KINDS, CommitteeSeat, CommitteeTerm, Organization, OrganizationKind, SeatRole
from members.models import Member
from orglife import counts as activity_counts
from orglife.compliance import (
    COMMITTEE_MIN_SEATS,
    Period,
    completion_rates,
    compliance_table,
    due_now,
    due_now_and_table,
    existed_fraction,
    prorated,
    windows_ending_in,
)
from orglife.models import Activity, ActivityStatus, ActivityType, FrequencyRule, RuleHolder, RulePer, Talk
from tests.branches.factories import make_org
from tests.members.factories import MemberFactory
from tests.orglife.activity_factories import log

TODAY = date(2026, 2, 10)
SEAT_ROLES = [SeatRole.SECRETARY, SeatRole.ORGANIZATION, SeatRole.PROPAGANDA, SeatRole.DISCIPLINE]


# --- a random tree -----------------------------------------------------------------------------------------


def _random_day(rng, start=date(2024, 10, 1), end=date(2026, 3, 31)) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))


def build_random_tree(seed: int):
    rng = random.Random(seed)
    root = make_org(name=f"随机党委{seed}", established_on=date(2000, 1, 1))
    mids, branches, groups = [], [], []
    for i in range(3):
        kind = OrganizationKind.GENERAL_BRANCH if i % 2 else OrganizationKind.COMMITTEE
        mids.append(make_org(root, kind=kind, name=f"中层{i}", established_on=date(2005, 1, 1)))
    for mid in mids:
        for j in range(rng.randint(2, 4)):
            kind = rng.choice([OrganizationKind.BRANCH] * 4 + [OrganizationKind.JOINT_BRANCH, OrganizationKind.TEMPORARY_BRANCH])
            est = rng.choice([date(2010, 1, 1), date(2010, 1, 1), _random_day(rng, date(2025, 1, 1), date(2025, 12, 31))])
            b = make_org(mid, kind=kind, name=f"支部{mid.pk}-{j}", established_on=est)
            branches.append(b)
            for k in range(rng.choice([0, 1, 2, 3])):
                groups.append(make_org(b, kind=OrganizationKind.PARTY_GROUP, name=f"小组{b.pk}-{k}", established_on=est))
    # Some dissolved inside the data range (set directly: the service's member checks are tested elsewhere).
    for org in rng.sample(branches + groups, k=4):
        Organization.objects.filter(pk=org.pk).update(
            dissolved_on=max(org.established_on + timedelta(days=1), _random_day(rng, date(2025, 3, 1), date(2026, 1, 31))))

    members = []
    for b in branches:
        own_groups = [g for g in groups if g.path.startswith(b.path)]
        for _ in range(rng.randint(0, 4)):
            m = MemberFactory(branch=b, party_group=rng.choice([None, *own_groups]) if own_groups else None,
                              is_active=rng.random() > 0.15)
            members.append(m)
        active = [m for m in members if m.branch_id == b.pk and m.is_active]
        if active and rng.random() < 0.6:
            term = CommitteeTerm.objects.create(organization=b, started_on=date(2023, 1, 1), ends_on=date(2026, 1, 1),
                                                closed_on=rng.choice([None, None, None, date(2025, 6, 1)]))
            for n, m in enumerate(active[: rng.randint(1, 4)]):
                CommitteeSeat.objects.create(term=term, member=m, role=SEAT_ROLES[n], started_on=date(2023, 1, 1),
                                             ended_on=rng.choice([None, None, None, date(2025, 5, 1)]))

    types = list(ActivityType.objects.all())
    for _ in range(8):  # overrides on random organizations, some switching a type off, some changing the holder
        t = rng.choice(types)
        scope = rng.choice([root, *mids, *branches, *groups])
        FrequencyRule.objects.update_or_create(
            activity_type=t, organization=scope,
            defaults={"holder": rng.choice(list(RuleHolder.values)), "per": rng.choice(list(RulePer.values)),
                      "min_count": rng.choice([0, 1, 1, 2, 3])})
    if seed % 2:
        ActivityType.objects.filter(code="appraisal").update(is_active=False)

    everyone = [root, *mids, *branches, *groups]
    rows = []
    for n in range(700):
        rows.append(Activity(
            organization=rng.choice(everyone), activity_type=rng.choice(types), title="随机", held_on=_random_day(rng),
            status=rng.choice([ActivityStatus.SUBMITTED] * 5 + [ActivityStatus.DRAFT]),
            is_voided=rng.random() < 0.08, checkin_code=f"R{seed}{n:05d}"[:8]))
    Activity.objects.bulk_create(rows)
    activity_counts.rebuild()  # bulk_create bypasses the services, like seed_scale
    for _ in range(40):
        b = rng.choice(branches)
        talk = Talk.objects.create(organization=b, held_on=_random_day(rng), topic="谈心", is_voided=rng.random() < 0.1)
        pool = [m for m in members if m.branch_id == b.pk] or members
        talk.participants.set(rng.sample(pool, k=min(len(pool), rng.randint(1, 3))))
    return root, mids, branches, groups


# --- the naive reference -----------------------------------------------------------------------------------


def _nearest_rule(org, type_id, rules):
    best = None
    for r in rules:
        if r.activity_type_id != type_id:
            continue
        path = r.organization.path if r.organization_id else ""
        if org.path.startswith(path) and (best is None or len(path) > best[0]):
            best = (len(path), r)
    return best[1] if best else None


def reference(holders, *, windows_for_per, today, type_ids=None, with_groups=True, rollup=True):
    """[(org pk, member_count, has_committee, {type id: cell tuple})] straight from the records."""
    holders = sorted((o for o in holders if o.kind in (*BRANCH_KINDS, OrganizationKind.PARTY_GROUP)), key=lambda o: o.path)
    wanted = {o.pk for o in holders}
    orgs = list(holders)
    if with_groups:
        paths = {o.path for o in holders if o.kind in BRANCH_KINDS}
        orgs += [g for g in Organization.objects.filter(kind=OrganizationKind.PARTY_GROUP)
                 if g.path[:-Organization.steplen] in paths and g.pk not in wanted]
        orgs.sort(key=lambda o: o.path)
    types = {t.pk: t for t in ActivityType.objects.filter(is_active=True)}
    rules = list(FrequencyRule.objects.select_related("organization"))
    acts: dict[tuple[int, int], list[date]] = {}  # every live submitted record's day, by (organization, type)
    for a in Activity.objects.all():
        if not a.is_voided and a.status == ActivityStatus.SUBMITTED:
            acts.setdefault((a.organization_id, a.activity_type_id), []).append(a.held_on)
    active = [m for m in Member.objects.all() if m.is_active]
    talk_days: dict[int, list[date]] = {}  # the days of each member's live talks
    for t in Talk.objects.prefetch_related("participants"):
        if not t.is_voided:
            for m in t.participants.all():
                talk_days.setdefault(m.pk, []).append(t.held_on)
    seats = {}
    for s in CommitteeSeat.objects.select_related("term"):
        if s.term.closed_on is None and s.ended_on is None:
            seats[s.term.organization_id] = seats.get(s.term.organization_id, 0) + 1

    def member_count(org):
        if org.kind == OrganizationKind.PARTY_GROUP:
            return sum(1 for m in active if m.party_group_id == org.pk)
        return sum(1 for m in active if m.branch_id == org.pk)

    cells = {}
    for org in orgs:
        has_committee = seats.get(org.pk, 0) >= COMMITTEE_MIN_SEATS
        cells[org.pk] = {}
        for type_id in types:
            if type_ids and type_id not in type_ids:
                continue
            rule = _nearest_rule(org, type_id, rules)
            if rule is None or rule.min_count == 0:
                continue
            if rule.holder == RuleHolder.GROUP:
                if org.kind != OrganizationKind.PARTY_GROUP:
                    continue
            elif org.kind not in BRANCH_KINDS or (rule.holder == RuleHolder.COMMITTEE and not has_committee):
                continue
            totals = {"required": 0, "held": 0, "count": 0, "missing": 0, "overdue": 0, "due_on": None}
            windows = []
            for w in [w for w in windows_for_per(rule.per) if w.start <= today]:
                fraction = existed_fraction(org, w)
                if rule.holder == RuleHolder.MEMBER:
                    own = [m for m in active if m.branch_id == org.pk]
                    required = len(own) if fraction > 0 else 0
                    raw = sum(1 for m in own
                              if sum(1 for day in talk_days.get(m.pk, []) if w.start <= day <= w.end) >= rule.min_count)
                else:
                    required = prorated(rule.min_count, fraction)
                    raw = sum(1 for day in acts.get((org.pk, type_id), []) if w.start <= day <= w.end)
                short = required - min(raw, required)
                is_open = w.end >= today
                totals["required"] += required
                totals["held"] += min(raw, required)
                totals["count"] += raw
                totals["missing"] += short
                totals["overdue"] += short if not is_open else 0
                if short and is_open and (totals["due_on"] is None or w.end < totals["due_on"]):
                    totals["due_on"] = w.end
                windows.append((w.key, required, raw, "met" if not short else ("due" if is_open else "overdue")))
            cells[org.pk][type_id] = [rule.pk, totals, windows]

    out = []
    for org in orgs:
        if org.pk not in wanted:
            continue
        contributors = [org]
        if rollup and org.kind in BRANCH_KINDS:
            contributors += [g for g in orgs if g.kind == OrganizationKind.PARTY_GROUP
                             and g.path[:-Organization.steplen] == org.path]
        row = {}
        for c in contributors:
            for type_id, (rule_id, totals, windows) in cells[c.pk].items():
                if type_id not in row:
                    row[type_id] = [rule_id, dict.fromkeys(totals, 0) | {"due_on": None}, []]
                acc = row[type_id][1]
                for k in ("required", "held", "count", "missing", "overdue"):
                    acc[k] += totals[k]
                if totals["due_on"] and (acc["due_on"] is None or totals["due_on"] < acc["due_on"]):
                    acc["due_on"] = totals["due_on"]
                row[type_id][2].extend(windows)
        out.append((org.pk, member_count(org), seats.get(org.pk, 0) >= COMMITTEE_MIN_SEATS,
                    {t: (r, tuple(sorted(a.items())), tuple(w)) for t, (r, a, w) in row.items()}))
    return out


def engine(rows):
    def cell(c):
        totals = {"required": c.required, "held": c.held, "count": c.count, "missing": c.missing,
                  "overdue": c.overdue, "due_on": c.due_on}
        return (c.rule.pk, tuple(sorted(totals.items())),
                tuple((w.window.key, w.required, w.held, w.state) for w in c.windows))

    return [(r.organization.pk, r.organization.member_count, r.organization.has_committee,
             {t: cell(c) for t, c in r.cells.items()}) for r in rows]


def per_period(period):
    period = Period.parse(period)
    return lambda per: windows_ending_in(per, period.start, period.end)


# --- the comparisons -----------------------------------------------------------------------------------------


@pytest.mark.django_db
# id_list_limit 0: the engine restricts other tables by subqueries (its path for thousands of organizations).
@pytest.mark.parametrize("seed,id_list_limit", [(11, 0), (12, 1000), (13, 0)])
def test_engine_matches_the_naive_reference(seed, id_list_limit, monkeypatch):
    monkeypatch.setattr("orglife.compliance.ID_LIST_LIMIT", id_list_limit)
    root, mids, branches, groups = build_random_tree(seed)
    everything = Organization.objects.filter(path__startswith=root.path)
    subtree = Organization.objects.filter(path__startswith=mids[1].path)
    # A branch without its groups' parent chain, and a lone group whose branch is not asked for.
    lone_group = next(g for g in groups if not g.path.startswith(branches[0].path)) if groups else branches[-1]
    scattered = Organization.objects.filter(pk__in=[branches[0].pk, lone_group.pk, mids[0].pk])

    checked = 0
    for qs in (everything, subtree, scattered):
        for period in ("2025", "2025-Q3", "2025-09", "2025-Q4", "2026-Q1", "2026"):
            got = engine(compliance_table(organizations_qs=qs, period=period, today=TODAY))
            want = reference(list(qs), windows_for_per=per_period(period), today=TODAY)
            assert got == want, (seed, period, str(qs.query)[:80])
            checked += sum(len(cells) for *_, cells in got)
    assert checked > 200  # the comparison covered real cells, not empty tables

    types = [ActivityType.objects.get(code="theme_day").pk, ActivityType.objects.get(code="group_meeting").pk]
    got = engine(compliance_table(organizations_qs=everything, period="2025", today=TODAY, type_ids=types))
    assert got == reference(list(everything), windows_for_per=per_period("2025"), today=TODAY, type_ids=set(types))

    for today in (TODAY, date(2025, 12, 31), date(2025, 7, 1)):
        got = engine(due_now(organizations_qs=everything, today=today))
        want = reference(list(everything), windows_for_per=lambda per, d=today: [Period.containing(per, d)],
                         today=today, with_groups=False, rollup=False)
        assert got == want, (seed, today)

    # The organization page's panel: due now and a period's table from one load, as the two separate calls give.
    single = [Organization.objects.filter(pk=branches[0].pk), Organization.objects.filter(pk=lone_group.pk)]
    for qs in (everything, subtree, scattered, *single):
        for today, period in ((TODAY, "2026"), (date(2025, 12, 31), "2025"), (date(2025, 7, 1), "2025-Q3")):
            due, table = due_now_and_table(organizations_qs=qs, period=Period.parse(period), today=today)
            assert engine(due) == engine(due_now(organizations_qs=qs, today=today)), (seed, today)
            assert engine(table) == engine(compliance_table(organizations_qs=qs, period=period, today=today))

    ids = [b.pk for b in branches]
    rates = completion_rates(branch_ids=ids, start=date(2025, 1, 1), end=date(2025, 12, 31), today=TODAY)
    want_rows = {row.organization.pk: row for row in compliance_table(
        organizations_qs=Organization.objects.filter(pk__in=ids), period="2025", today=TODAY)}
    assert rates == {pk: want_rows[pk].completion_rate for pk in ids}
    assert set(rates) == set(ids)


@pytest.mark.django_db
def test_reference_is_not_trivially_equal():
    """The comparison can fail: one extra record moves the engine and the reference together, never one alone."""
    root, mids, branches, groups = build_random_tree(5)
    qs = Organization.objects.filter(path__startswith=root.path)
    before = engine(compliance_table(organizations_qs=qs, period="2025-09", today=TODAY))
    target = next(b for b in branches if b.established_on < date(2025, 1, 1))
    theme = ActivityType.objects.get(code="theme_day")
    FrequencyRule.objects.filter(activity_type=theme).exclude(organization=None).delete()
    FrequencyRule.objects.filter(activity_type=theme, organization=None).update(min_count=5, per="month", holder="branch")
    Organization.objects.filter(pk=target.pk).update(dissolved_on=None)
    log(target, "theme_day", date(2025, 9, 9), title="加一")
    after = engine(compliance_table(organizations_qs=qs, period="2025-09", today=TODAY))
    assert after != before
    assert after == reference(list(qs), windows_for_per=per_period("2025-09"), today=TODAY)
