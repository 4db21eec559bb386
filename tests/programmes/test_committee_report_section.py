"""The committee report's programme section (issue #19): counts per unit and in total, read from the titles and
candidacies on record through the figure definitions (programme.*), so page, API and report cannot disagree."""
from datetime import date

from programmes import services
from programmes.models import ChangeKind, Programme
from reports import sources
from tests.programmes.conftest import publish
from tests.programmes.test_four_strong import _designate
from tests.reports.test_figure_consistency import build, check_committee_tables, check_document


def _section(doc):
    return next(s for s in doc.sections if s.id == "programmes")


def test_committee_report_states_designations_per_unit_as_the_definitions(four_round, cycle, tree, users):
    for org in (tree.a1, tree.a2, tree.b1):
        publish(cycle, org)
    a1, a2, _ = (_designate(four_round, tree, users, org, on=date(2026, 5, 1)) for org in (tree.a1, tree.a2, tree.b1))
    services.candidacy_designate_higher(candidacy=a1, by=users.staff, on=date(2026, 6, 1))
    services.title_change(honour=a2.title, kind=ChangeKind.REVOKE, reason="违纪", by=users.staff,
                          decided_on=date(2026, 7, 1))

    doc = build("committee-four-strong", tree.root, "2026", on=date(2026, 12, 31))
    text = "".join(_section(doc).paragraphs)
    assert "党委新命名 3 个" in text and "经上级机关再次命名 1 个" in text
    assert "党委命名且在有效期内的“四强”党支部 2 个" in text and "摘牌 1 个" in text
    table = next(t for t in doc.tables() if t.id == "programme-groups")
    rows = {r["group"]: r for r in table.rows}
    assert (rows["甲党总支"]["four_strong_current"], rows["甲党总支"]["four_strong_higher"],
            rows["甲党总支"]["four_strong_revoked"]) == (1, 1, 1)
    assert rows["乙党总支"]["four_strong_current"] == 1
    assert check_document(doc, on=date(2026, 12, 31)) > 0
    assert check_committee_tables(doc, on=date(2026, 12, 31)) >= 2
    # the guard catches a table cell that disagrees with the definition
    rows["乙党总支"]["four_strong_current"] = 2
    try:
        check_committee_tables(doc, on=date(2026, 12, 31))
    except AssertionError:
        pass
    else:
        raise AssertionError("a wrong programme cell passed the guard")

    # the 党总支's own report prints its row of the 党委's table
    own = build("committee-four-strong", tree.ga, "2026", on=date(2026, 12, 31))
    assert "党委命名且在有效期内的“四强”党支部 1 个" in "".join(_section(own).paragraphs)


def test_committee_report_without_programmes_says_so(tree, members):
    doc = build("committee-four-strong", tree.root, "2026")
    assert _section(doc).paragraphs == ["2026年没有“四强”党支部创建、红旗党支部创建和五星党员评选的记录。"]
    assert not any(v.figure.startswith("programme.") for v in doc.values)
    assert sources.PROGRAMMES[0] == Programme.FOUR_STRONG
