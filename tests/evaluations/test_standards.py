"""Standards are versioned data: published ones are frozen, copies make new versions; XLSX round trip and import errors."""
import io
import zipfile
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook, load_workbook

from evaluations import services, standards
from evaluations.models import IndicatorKind, Standard, StandardStatus
from portal.xlsx import write_workbook
from tests.evaluations.factories import entries, make_cycle


def test_published_standard_is_frozen(standard, users):
    st, ind = standard
    with pytest.raises(ValidationError, match="冻结"):
        services.standard_update(standard=st, by=users.staff, name="改名")
    with pytest.raises(ValidationError, match="冻结"):
        services.indicator_save(standard=st, by=users.staff, indicator=ind["P1"], max_points=D(50))


def test_copy_makes_a_new_draft_version_and_past_results_do_not_change(tree, users, standard, ev_a1):
    st, ind = standard
    services.self_assessment_save(evaluation=ev_a1, by=users.secretary, entries=entries(ind, P1=20), submit=True)
    sheet = services.reviewer_assign(evaluation=ev_a1, reviewer=users.reviewer, by=users.staff)
    services.review_save(sheet=sheet, by=users.reviewer, entries=entries(ind, P1=25, L1=25, M1=25, R1=15), submit=True)
    services.review_close(evaluation=ev_a1, by=users.staff)
    before = ev_a1.total
    copy = services.standard_copy(standard=st, by=users.staff, year=2026)
    assert (copy.version, copy.status, copy.based_on_id) == (1, StandardStatus.DRAFT, st.pk)
    p1 = copy.indicators.get(code="P1")
    services.indicator_save(standard=copy, by=users.staff, indicator=p1, max_points=D(50))
    assert ind["P1"].__class__.objects.get(pk=ind["P1"].pk).max_points == D(25)
    services.evaluation_compute(ev_a1)
    assert ev_a1.total == before == D(100) and ev_a1.cycle.standard_id == st.pk
    again = services.standard_copy(standard=st, by=users.staff)
    assert again.version == 2 and again.year == 2025


def test_cycle_refuses_a_draft_standard(tree, users):
    draft = services.standard_create(organization=tree.root, year=2025, name="草稿", by=users.staff)
    with pytest.raises(ValidationError, match="已发布"):
        make_cycle(tree.root, draft, users.staff)


def test_publish_needs_a_scored_indicator_and_known_metrics(tree, users):
    st = services.standard_create(organization=tree.root, year=2025, name="空", by=users.staff)
    with pytest.raises(ValidationError, match="至少需要一项"):
        services.standard_publish(standard=st, by=users.staff)
    with pytest.raises(ValidationError):
        services.indicator_save(standard=st, by=users.staff, code="A", name="自动", kind=IndicatorKind.AUTOMATIC,
                                criterion="role", max_points=D(5), metric_key="no_such_metric")
    with pytest.raises(ValidationError):
        services.indicator_save(standard=st, by=users.staff, code="B", name="无维度", kind=IndicatorKind.MANUAL,
                                max_points=D(5))


def test_bands_must_descend_to_zero(tree, users):
    with pytest.raises(ValidationError):
        services.standard_create(organization=tree.root, year=2025, name="x", by=users.staff,
                                 bands=[{"stars": 5, "min": 90}, {"stars": 4, "min": 95}, {"stars": 1, "min": 0}])


def test_default_standard_is_built_from_the_domain_rules(tree, users):
    st = standards.install_default_standard(organization=tree.root, year=2025, by=users.staff)
    base = [i for i in st.indicators.all() if i.kind in ("manual", "automatic")]
    assert sum(i.max_points for i in base) == D(100)
    assert {i.criterion for i in base} == {"political", "leadership", "members", "role"}
    assert st.is_frozen and st.quotas == {"5": 30}
    assert {i.metric_key for i in st.indicators.all() if i.metric_key} == {
        "meeting_completion", "attendance_rate", "talk_coverage", "term_on_time", "committee_complete",
        "rectification_on_time", "rectification_overdue",
        "months_without_activity",  # the 6-months deduction, from the records (issue #19)
        # the branch's practice records (practice/): study, training, 先锋岗, brands
        "practice.study_hours_per_member", "practice.secretary_training_coverage", "practice.vanguard_post_count",
        "practice.brand_recognition_count"}
    per_criterion = {}
    for i in base:
        per_criterion[i.criterion] = per_criterion.get(i.criterion, 0) + i.max_points
    assert per_criterion == {"political": D(25), "leadership": D(25), "members": D(25), "role": D(25)}
    assert st.indicators.filter(kind="veto").count() == 3


def _export_bytes(st):
    buf = io.BytesIO()
    write_workbook(buf, standards.export_sheets(st))
    buf.seek(0)
    return buf


def test_xlsx_round_trip(tree, users):
    st = standards.install_default_standard(organization=tree.root, year=2025, by=users.staff)
    imported = standards.import_standard(fileobj=_export_bytes(st), organization=tree.root, year=2026, by=users.staff)
    assert imported.status == StandardStatus.DRAFT and imported.quotas == {"5": 30.0}
    cols = ["code", "parent__code", "criterion", "kind", "max_points", "metric_key", "mapping", "guidance"]
    assert list(imported.indicators.order_by("order").values_list(*cols)) == list(
        st.indicators.order_by("order").values_list(*cols))
    assert imported.bands == st.bands


def test_xlsx_import_is_all_or_nothing_with_row_errors(tree, users):
    st = standards.install_default_standard(organization=tree.root, year=2025, by=users.staff)
    wb = load_workbook(_export_bytes(st))
    ws = wb["指标"]
    ws["E3"] = "随便"            # bad kind
    ws["F4"] = "-2"              # negative points
    ws["G5"] = "nonexistent"     # unknown metric
    ws["H6"] = "曲线 1~2"        # bad mapping
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    count = st.__class__.objects.count()
    with pytest.raises(ValidationError) as exc:
        standards.import_standard(fileobj=buf, organization=tree.root, year=2026, by=users.staff)
    msgs = exc.value.messages
    assert any(m.startswith("第 3 行") and "类型“随便”无效" in m for m in msgs)
    assert any(m.startswith("第 4 行") and "不是有效的非负数" in m for m in msgs)
    assert any(m.startswith("第 5 行") and "nonexistent" in m for m in msgs)
    assert any(m.startswith("第 6 行") and "换算规则" in m for m in msgs)
    assert st.__class__.objects.count() == count


def test_xlsx_import_rejects_a_non_workbook_and_wrong_headers(tree, users):
    with pytest.raises(ValidationError, match="xlsx"):
        standards.import_standard(fileobj=io.BytesIO(b"not a workbook"), organization=tree.root, year=2026,
                                  by=users.staff)
    wb = Workbook()
    wb.active.title = "标准"
    wb.create_sheet("指标").append(["编号", "名称"])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    with pytest.raises(ValidationError, match="表头"):
        standards.import_standard(fileobj=buf, organization=tree.root, year=2026, by=users.staff)


def _standard_workbook(indicator_rows=0, extra_part=None) -> io.BytesIO:
    wb = Workbook()
    wb.active.title = "标准"
    ws = wb.create_sheet("指标")
    ws.append(standards.INDICATOR_HEADERS)
    for i in range(indicator_rows):
        ws.append([f"X{i}", "", "", "指标", "人工评分", "1"])
    buf = io.BytesIO()
    wb.save(buf)
    if extra_part:
        with zipfile.ZipFile(buf, "a", zipfile.ZIP_DEFLATED) as z:
            z.writestr(*extra_part)
    buf.seek(0)
    return buf


def test_xlsx_import_refuses_zip_bombs_oversized_files_and_too_many_rows(tree, users, monkeypatch):
    count = Standard.objects.count()
    bomb = _standard_workbook(extra_part=("xl/media/padding.bin", b"0" * (50 * 1024 * 1024)))
    with pytest.raises(ValidationError, match="压缩炸弹"):
        standards.import_standard(fileobj=bomb, organization=tree.root, year=2026, by=users.staff)
    big = io.BytesIO(b"PK" + b"0" * (standards.MAX_IMPORT_BYTES + 1))
    with pytest.raises(ValidationError, match="不能超过 5 MB"):
        standards.import_standard(fileobj=big, organization=tree.root, year=2026, by=users.staff)
    monkeypatch.setattr(standards, "MAX_INDICATOR_ROWS", 50)
    with pytest.raises(ValidationError, match="超过 50 行"):
        standards.import_standard(fileobj=_standard_workbook(indicator_rows=51), organization=tree.root, year=2026,
                                  by=users.staff)
    assert Standard.objects.count() == count


@pytest.mark.parametrize("text,mapping", [
    ("阈值 0.95=10；0.8=8", {"type": "thresholds", "steps": [[0.95, 10.0], [0.8, 8.0]]}),
    ("线性 0.5~1", {"type": "linear", "zero_at": 0.5, "full_at": 1.0}),
    ("每项 2", {"type": "per_unit", "points": 2.0}),
    ("", {}),
])
def test_mapping_text_parses_and_prints_back(text, mapping):
    assert standards.parse_mapping(text) == mapping
    if mapping:
        assert standards.parse_mapping(standards.mapping_text(mapping)) == mapping
