"""The default standard (built from shared domain rules §2–3) and XLSX import/export of standards.

The default's numbers are local practice, not national regulation: a 党委 copies and adapts it (or imports an
edited XLSX). Import is all-or-nothing: any bad row and nothing is saved, with every row's error in Chinese.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.uploads import check_zip
from portal.xlsx import Column, Sheet

from . import services
from .metrics import get_metric
from .models import Criterion, Indicator, IndicatorKind, Standard

# code, parent code, criterion, name, kind, max points, metric, mapping, description, guidance
DEFAULT_INDICATORS = [
    ("P", "", "political", "政治功能强", "group", 0, "", {}, "理论武装、政治生活、政治能力。", ""),
    ("P1", "P", "political", "理论武装", "manual", 5, "", {},
     "深入学习贯彻党的创新理论，学习制度健全、计划落实。", "学习计划、记录齐全得满分；缺少计划扣 3 分；学习记录不全酌情扣分。"),
    ("P2", "P", "political", "政治生活严肃、政治生态良好", "manual", 8, "", {},
     "组织生活会、民主评议党员按要求开展，批评和自我批评严肃认真。", "组织生活会未召开扣 5 分；民主评议未开展扣 3 分。"),
    ("P3", "P", "political", "“两个维护”和政治三力", "manual", 8, "", {},
     "贯彻落实上级决策部署坚决有力。", "有具体举措和成效得满分，一般性落实得 4—6 分。"),
    ("P4", "P", "political", "党员个人自学学时", "automatic", 4, "practice.study_hours_per_member",
     {"type": "linear", "zero_at": 0, "full_at": 12}, "考核期内人均个人自学学时（学习强国、书籍、线上课程等）。",
     "人均 12 学时及以上得满分，其下按比例计分。"),
    ("L", "", "leadership", "支部班子强", "group", 0, "", {}, "班子团结坚强，严格执行民主集中制和“三会一课”。", ""),
    ("L1", "L", "leadership", "“三会一课”及主题党日完成率", "automatic", 12, "meeting_completion",
     {"type": "linear", "zero_at": 0.5, "full_at": 1.0},
     "按组织生活记录自动计算：已召开 / 应召开。", "完成率 100% 得满分，50% 及以下不得分，其间按比例计分。"),
    ("L2", "L", "leadership", "书记、委员履职到位", "manual", 4, "", {},
     "书记抓党建第一责任人职责落实，委员分工明确。", "述职评议良好得满分。"),
    ("L3", "L", "leadership", "民主集中制执行", "manual", 6, "", {}, "重大事项集体讨论决定。", "有会议记录可查得满分。"),
    ("L4", "L", "leadership", "党支部书记参加培训", "automatic", 3, "practice.secretary_training_coverage",
     {"type": "linear", "zero_at": 0, "full_at": 1}, "考核期内现任书记完成党支部书记培训。", "完成得满分，未完成不得分。"),
    ("M", "", "members", "党员队伍强", "group", 0, "", {}, "党员教育管理监督严格，先锋模范作用发挥。", ""),
    ("M1", "M", "members", "组织生活出席率", "automatic", 8, "attendance_rate",
     {"type": "linear", "zero_at": 0.6, "full_at": 0.95}, "按出席记录自动计算：出席 / 应出席。",
     "出席率 95% 及以上得满分，60% 及以下不得分，其间按比例计分。"),
    ("M2", "M", "members", "谈心谈话覆盖率", "automatic", 7, "talk_coverage",
     {"type": "linear", "zero_at": 0.5, "full_at": 1.0}, "全年至少谈心谈话一次的党员占在册党员比例。",
     "覆盖率 100% 得满分，50% 及以下不得分。"),
    ("M3", "M", "members", "党员教育管理和发展党员", "manual", 5, "", {}, "发展党员程序规范，党员管理严格。", ""),
    ("M4", "M", "members", "关键时刻站得出来、危急关头豁得出去", "manual", 3, "", {}, "党员先锋模范作用。", ""),
    ("M5", "M", "members", "党员先锋岗设置", "automatic", 2, "practice.vanguard_post_count",
     {"type": "linear", "zero_at": 0, "full_at": 1}, "考核期内在岗的党员先锋岗。", "设有先锋岗得满分。"),
    ("R", "", "role", "作用发挥强", "group", 0, "", {}, "围绕中心、建设队伍、服务群众。", ""),
    ("R1", "R", "role", "围绕中心工作发挥作用", "manual", 8, "", {}, "党建与业务深度融合。", ""),
    ("R4", "R", "role", "党建品牌获上级认定", "automatic", 2, "practice.brand_recognition_count",
     {"type": "linear", "zero_at": 0, "full_at": 1}, "考核期内本支部党建品牌获优秀党建品牌、特色品牌等认定。",
     "获认定 1 次及以上得满分。"),
    ("R2", "R", "role", "服务群众", "manual", 8, "", {}, "志愿服务、联系群众。", ""),
    ("R3", "R", "role", "整改按期销号率", "automatic", 7, "rectification_on_time",
     {"type": "linear", "zero_at": 0.5, "full_at": 1.0}, "考核期内到期的整改事项中按期销号的比例。",
     "全部按期销号得满分；无到期事项视为 100%。"),
    ("B1", "", "", "党建品牌、创新项目", "bonus", 3, "", {}, "有经上级认定的党建品牌或创新项目。", "每项 1—3 分。"),
    ("B2", "", "", "受到上级表彰", "bonus", 3, "", {}, "支部或党员受上级党组织表彰。", "区级 1 分，市级及以上 3 分。"),
    ("D1", "", "leadership", "不按期换届", "deduction", 5, "term_on_time",
     {"type": "linear", "zero_at": 1, "full_at": 0}, "委员会任期届满未按期换届。", "按期换届不扣分，逾期扣 5 分。"),
    ("D2", "", "leadership", "班子不健全", "deduction", 5, "committee_complete",
     {"type": "linear", "zero_at": 1, "full_at": 0}, "应设支委会未设立、委员数不符或未配备书记。", "扣 5 分。"),
    ("D3", "", "political", "连续 6 个月以上未开展组织生活", "deduction", 5, "months_without_activity",
     {"type": "thresholds", "steps": [[6, 5]]}, "由组织生活记录自动计算：考核期内连续无已提交组织生活记录的最长月数。",
     "连续 6 个月及以上无组织生活扣 5 分。"),
    ("D4", "", "role", "逾期未完成整改事项", "deduction", 6, "rectification_overdue",
     {"type": "per_unit", "points": 2}, "考核期内到期未按期完成的整改事项。", "每项扣 2 分，最多扣 6 分。"),
    ("V1", "", "", "发生严重违纪违法、传播政治谣言或参与非法组织活动", "veto", 1, "", {}, "", "触发则不得评为三星及以上，不得评为四强。"),
    ("V2", "", "", "被确定为软弱涣散基层党组织", "veto", 1, "", {}, "", "同上。"),
    ("V3", "", "", "党建档案资料严重缺失", "veto", 1, "", {}, "", "同上。"),
]
DEFAULT_NAME = "党支部“四强”评星定级标准（默认）"


@transaction.atomic
def install_default_standard(*, organization, year: int, by, publish: bool = True) -> Standard:
    standard = services.standard_create(organization=organization, year=year, name=DEFAULT_NAME, by=by,
                                        quotas={"5": 30})
    _create_indicators(standard, [
        dict(code=c, parent=p, criterion=cr, name=n, kind=k, max_points=Decimal(m), metric_key=mk, mapping=mp,
             description=d, guidance=g) for c, p, cr, n, k, m, mk, mp, d, g in DEFAULT_INDICATORS], by=by)
    if publish:
        services.standard_publish(standard=standard, by=by)
    return standard


def _create_indicators(standard: Standard, rows: list[dict], *, by) -> None:
    by_code: dict[str, Indicator] = {}
    for order, row in enumerate(rows, start=1):
        parent_code = row.pop("parent")
        ind = services.indicator_save(standard=standard, by=by, parent=by_code.get(parent_code) if parent_code else None,
                                      order=order * 10, **row)
        by_code[ind.code] = ind


# --- XLSX -------------------------------------------------------------------------------------------------------

# Standard files are Chinese whatever the UI language: map the untranslated (source) labels.
with translation.override(None):
    KIND_LABELS = {str(k.label): k.value for k in IndicatorKind}
    CRITERION_LABELS = {str(c.label): c.value for c in Criterion}
INDICATOR_HEADERS = ["编号", "上级编号", "考核维度", "指标名称", "类型", "分值/上限", "自动指标", "换算规则", "说明", "评分细则"]
SETTINGS_KEYS = {"名称": "name", "星级分数线": "bands", "名额比例": "quotas", "否决后最高星级": "veto_max_stars",
                 "四强最低星级": "four_strong_min_stars", "四强单项得分率": "four_strong_ratio",
                 "加分上限": "bonus_cap", "减分上限": "deduction_cap"}
STARS_CN = {5: "五星", 4: "四星", 3: "三星", 2: "二星", 1: "一星"}
CN_STARS = {v: k for k, v in STARS_CN.items()}

ROW_ERROR = _("第 {row} 行：{message}")
MISSING_SHEET = _("文件中缺少“{name}”工作表。")
BAD_HEADER = _("“指标”工作表的表头应为：{headers}。")
NOT_XLSX = _("无法读取文件，请上传 .xlsx 格式的 Excel 文件。")
FILE_TOO_BIG = _("文件过大：标准文件不能超过 {mb} MB。")
TOO_MANY_ROWS = _("“指标”工作表超过 {n} 行，已拒绝；请检查文件是否正确。")
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_INDICATOR_ROWS = 2000


def mapping_text(mapping: dict) -> str:
    """Readable form of a mapping, the same text the import understands."""
    kind = mapping.get("type")
    if kind == "thresholds":
        return "阈值 " + "；".join(f"{a}={b}" for a, b in mapping.get("steps", []))
    if kind == "per_unit":
        return f"每项 {mapping.get('points', 1)}"
    if kind == "linear":
        return f"线性 {mapping.get('zero_at', 0)}~{mapping.get('full_at', 1)}"
    return ""


def parse_mapping(text: str) -> dict:
    text = (text or "").strip()
    if not text:
        return {}
    nums = r"-?\d+(?:\.\d+)?"
    if text.startswith("阈值"):
        steps = re.findall(rf"({nums})\s*=\s*({nums})", text)
        if not steps:
            raise ValueError(gettext("阈值规则应写成“阈值 0.95=10；0.8=8”。"))
        return {"type": "thresholds", "steps": [[float(a), float(b)] for a, b in steps]}
    if text.startswith("线性"):
        m = re.search(rf"({nums})\s*[~～]\s*({nums})", text)
        if not m:
            raise ValueError(gettext("线性规则应写成“线性 0.5~1”（左为零分点，右为满分点）。"))
        return {"type": "linear", "zero_at": float(m[1]), "full_at": float(m[2])}
    if text.startswith("每项"):
        m = re.search(nums, text)
        if not m:
            raise ValueError(gettext("每项规则应写成“每项 2”。"))
        return {"type": "per_unit", "points": float(m[0])}
    raise ValueError(gettext("换算规则应以“阈值”“线性”或“每项”开头。"))


def _bands_text(bands) -> str:
    return "；".join(f"{STARS_CN.get(int(b['stars']), b['stars'])}={b['min']:g}" for b in bands)


def _parse_bands(text: str) -> list[dict]:
    rows = []
    for part in re.split(r"[;；,，]", str(text)):
        if not part.strip():
            continue
        name, _, value = part.partition("=")
        stars = CN_STARS.get(name.strip())
        if stars is None:
            raise ValueError(gettext("星级分数线应写成“五星=90；四星=80；三星=70；二星=60；一星=0”。"))
        rows.append({"stars": stars, "min": float(value)})
    return rows


def _parse_quotas(text: str) -> dict:
    result = {}
    for part in re.split(r"[;；,，]", str(text or "")):
        if not part.strip():
            continue
        name, _, value = part.partition("=")
        stars = CN_STARS.get(name.strip())
        if stars is None:
            raise ValueError(gettext("名额比例应写成“五星=30”（百分比）。"))
        result[str(stars)] = float(value.strip().rstrip("%"))
    return result


def export_sheets(standard: Standard):

    settings_rows = [
        ("名称", standard.name), ("年度", standard.year), ("版本", standard.version),
        ("星级分数线", _bands_text(standard.bands)),
        ("名额比例", "；".join(f"{STARS_CN[int(k)]}={v:g}" for k, v in sorted(standard.quotas.items(), reverse=True))),
        ("否决后最高星级", standard.veto_max_stars), ("四强最低星级", standard.four_strong_min_stars),
        ("四强单项得分率", float(standard.four_strong_ratio)), ("加分上限", float(standard.bonus_cap)),
        ("减分上限", float(standard.deduction_cap)),
    ]
    indicators = standard.indicators.select_related("parent").order_by("order", "code")
    return [
        Sheet("标准", [Column("项目", lambda r: r[0], width=18), Column("值", lambda r: r[1], width=60)], settings_rows),
        Sheet("指标", [
            Column("编号", "code", width=8), Column("上级编号", lambda i: i.parent.code if i.parent else "", width=8),
            Column("考核维度", lambda i: i.get_criterion_display() if i.criterion else "", width=12),
            Column("指标名称", "name", width=36), Column("类型", lambda i: i.get_kind_display(), width=10),
            Column("分值/上限", lambda i: float(i.max_points), width=10), Column("自动指标", "metric_key", width=22),
            Column("换算规则", lambda i: mapping_text(i.mapping or {}), width=22),
            Column("说明", "description", width=40), Column("评分细则", "guidance", width=40),
        ], indicators),
    ]


def _cell(value) -> str:
    return "" if value is None else str(value).strip()


@transaction.atomic
def import_standard(*, fileobj, organization, year: int, by) -> Standard:
    """Read an XLSX (the export's layout) into a new draft version. All rows valid, or nothing saved."""
    import io
    from itertools import islice

    from openpyxl import load_workbook


    fileobj.seek(0)
    data = fileobj.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError(FILE_TOO_BIG.format(mb=MAX_IMPORT_BYTES // (1024 * 1024)))
    if data[:2] != b"PK":
        raise ValidationError(NOT_XLSX)
    check_zip(data, name=getattr(fileobj, "name", "") or "标准.xlsx")   # zip bombs: refused before openpyxl unpacks
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a non-xlsx file
        raise ValidationError(NOT_XLSX) from exc
    for name in ("标准", "指标"):
        if name not in wb.sheetnames:
            raise ValidationError(MISSING_SHEET.format(name=name))
    errors: list[str] = []
    settings: dict = {}
    for idx, row in enumerate(islice(wb["标准"].iter_rows(min_row=2, values_only=True), 200), start=2):
        if not row or not _cell(row[0]):
            continue
        key, value = _cell(row[0]), row[1] if len(row) > 1 else None
        field = SETTINGS_KEYS.get(key)
        if field is None:
            continue
        try:
            if field == "bands":
                settings[field] = services.validate_bands(_parse_bands(value))
            elif field == "quotas":
                settings[field] = _parse_quotas(value)
            elif field in ("veto_max_stars", "four_strong_min_stars"):
                settings[field] = int(float(value))
            elif field in ("four_strong_ratio", "bonus_cap", "deduction_cap"):
                settings[field] = Decimal(str(value))
            else:
                settings[field] = _cell(value)
        except (ValueError, TypeError, InvalidOperation, ValidationError) as exc:
            msg = exc.messages[0] if isinstance(exc, ValidationError) else str(exc) or gettext("格式不正确")
            errors.append(ROW_ERROR.format(row=idx, message=gettext("“{key}”{msg}").format(key=key, msg=msg)))
    sheet = wb["指标"]
    rows = list(islice(sheet.iter_rows(values_only=True), MAX_INDICATOR_ROWS + 2))
    if len(rows) > MAX_INDICATOR_ROWS + 1:
        raise ValidationError(TOO_MANY_ROWS.format(n=MAX_INDICATOR_ROWS))
    if not rows or [_cell(c) for c in rows[0][: len(INDICATOR_HEADERS)]] != INDICATOR_HEADERS:
        raise ValidationError(BAD_HEADER.format(headers="、".join(INDICATOR_HEADERS)))
    parsed: list[dict] = []
    codes: set[str] = set()
    for idx, row in enumerate(rows[1:], start=2):
        cells = [_cell(c) for c in (list(row) + [None] * 10)[:10]]
        if not any(cells):
            continue
        code, parent, criterion, name, kind, points, metric, mapping, description, guidance = cells
        row_errors = []
        if not code:
            row_errors.append(gettext("编号不能为空"))
        elif code in codes:
            row_errors.append(gettext("编号“{code}”重复").format(code=code))
        if parent and parent not in codes:
            row_errors.append(gettext("上级编号“{parent}”不存在（上级指标须写在前面）").format(parent=parent))
        if not name:
            row_errors.append(gettext("指标名称不能为空"))
        kind_value = KIND_LABELS.get(kind)
        if kind_value is None:
            row_errors.append(gettext("类型“{kind}”无效，应为 {choices}").format(kind=kind, choices="/".join(KIND_LABELS)))
        criterion_value = CRITERION_LABELS.get(criterion, "") if criterion else ""
        if criterion and not criterion_value:
            row_errors.append(gettext("考核维度“{criterion}”无效，应为 {choices}").format(
                criterion=criterion, choices="/".join(CRITERION_LABELS)))
        if kind_value in ("manual", "automatic") and not criterion_value:
            row_errors.append(gettext("人工评分和自动计算指标须填写考核维度"))
        try:
            max_points = Decimal(points or "0")
            if max_points < 0:
                raise InvalidOperation
        except InvalidOperation:
            row_errors.append(gettext("分值“{points}”不是有效的非负数").format(points=points))
            max_points = Decimal(0)
        if metric and get_metric(metric) is None:
            row_errors.append(gettext("自动指标“{metric}”不存在").format(metric=metric))
        if kind_value == "automatic" and not metric:
            row_errors.append(gettext("自动计算指标须填写自动指标"))
        try:
            mapping_value = parse_mapping(mapping)
        except ValueError as exc:
            row_errors.append(str(exc))
            mapping_value = {}
        if code:
            codes.add(code)
        if row_errors:
            errors.append(ROW_ERROR.format(row=idx, message="；".join(row_errors)))
            continue
        parsed.append(dict(code=code, parent=parent, criterion=criterion_value, name=name, kind=kind_value,
                           max_points=max_points, metric_key=metric, mapping=mapping_value,
                           description=description, guidance=guidance))
    if not parsed and not errors:
        errors.append(gettext("“指标”工作表没有任何指标。"))
    if errors:
        raise ValidationError(errors)
    name = settings.pop("name", "") or "导入的评价标准"
    standard = services.standard_create(organization=organization, year=year, name=name, by=by, **settings)
    _create_indicators(standard, parsed, by=by)
    return standard
