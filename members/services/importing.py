"""XLSX import of members: every row is checked, then all rows are saved or none.

Errors name the spreadsheet row number and say what to fix, in Chinese.
"""
from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from openpyxl import load_workbook
from simple_history.utils import bulk_create_with_history

from branches.models import Organization
from portal.scoping import CHANGE
from portal.xlsx import is_formula_like

from ..models import Education, Gender, Member, MemberCategory, MembershipMove, MemberStatus, MoveKind
from ..signals import members_bulk_written
from ..validators import id_birth_date, id_gender, id_mismatches, validate_id_number, validate_phone
from .registry import duplicate_id_messages, pii_access_record

# (header, attribute, required)
COLUMNS = [
    ("姓名", "name", True),
    ("性别", "gender", False),  # left blank: from the ID number
    ("民族", "ethnicity", False),
    ("出生日期", "birth_date", False),  # left blank: from the ID number
    ("手机号", "phone", False),
    ("身份证号", "id_number", True),
    ("学历", "education", False),
    ("工作单位", "work_unit", False),
    ("职务/岗位", "post", False),
    ("党员类别", "category", True),
    ("党员身份", "status", True),
    ("入党日期", "joined_on", True),
    ("转正日期", "confirmed_on", False),
    ("党支部编码", "branch_code", True),
    ("党小组编码", "group_code", False),
]
HEADERS = [c[0] for c in COLUMNS]
_HEADER_OF = {attr: header for header, attr, _ in COLUMNS}
MAX_ROWS = 20_000
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
DATE_FIELDS = {"birth_date", "joined_on", "confirmed_on"}
# Import files are Chinese whatever the UI language: map the untranslated (source) labels.
with translation.override(None):
    CHOICES = {
        "gender": {str(label): value for value, label in Gender.choices},
        "category": {str(label): value for value, label in MemberCategory.choices},
        "status": {str(label): value for value, label in MemberStatus.choices},
        "education": {str(label): value for value, label in Education.choices},
    }
NOT_XLSX = "文件不是有效的 Excel（.xlsx）文件，请使用下载的导入模板。"
TOO_BIG = "文件过大（超过 10 MB），请分批导入。"
ZIP_BOMB = "文件解压后体积异常，已拒绝处理。"
TOO_MANY_ROWS = "数据行数超过上限 {max} 行，请分批导入。"
EMPTY = "文件中没有数据行。"
BAD_HEADERS = "表头与模板不一致：缺少 {missing}。请使用下载的导入模板。"
FORMULA = "“{header}”不能是公式：不能以 = + - @ 或制表符、换行开头（电子表格会当作公式执行），请删去该字符。"
EXCEL_NUMBER = ("“{header}”被 Excel 当作数字保存（{shown}），超过 15 位的数字已丢失，无法还原。请把该列设置为“文本”格式"
                "后重新输入或粘贴（或在号码前加英文单引号 '），也可直接使用下载的导入模板（该列已是文本格式）。")
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")


def excel_mangled(value) -> str:
    """How a number-typed ID cell shows in Excel ("3.20101E+17"), or "" when the cell is text as it should be."""
    if isinstance(value, bool):
        return ""
    if isinstance(value, (int, float)):
        return f"{value:.5E}" if value >= 1e15 else ""  # Excel's General format shows 6 significant digits
    if isinstance(value, str) and _SCIENTIFIC.match(value.strip()):
        return value.strip()
    return ""


@dataclass
class RowError:
    row: int
    messages: list[str]


@dataclass
class ImportResult:
    created: int = 0
    errors: list[RowError] = field(default_factory=list)
    file_error: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_error


class ImportRejected(Exception):
    def __init__(self, result: ImportResult):
        super().__init__(result.file_error or f"{len(result.errors)} 行有误")
        self.result = result


DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


def _parse_date(value, header: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if len(text) == 10 and text[4] == "-" and text[7] == "-":  # the template's form: parsed in C, ~20x faster
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"“{header}”不是有效日期：{text}（应为 2020-07-01 形式）")


def _open(fileobj):
    size = getattr(fileobj, "size", None)
    if size is not None and size > MAX_FILE_BYTES:
        raise ImportRejected(ImportResult(file_error=TOO_BIG))
    try:
        fileobj.seek(0)
        with zipfile.ZipFile(fileobj) as zf:
            if sum(i.file_size for i in zf.infolist()) > MAX_UNZIPPED_BYTES:
                raise ImportRejected(ImportResult(file_error=ZIP_BOMB))
        fileobj.seek(0)
        return load_workbook(fileobj, read_only=True, data_only=False)
    except ImportRejected:
        raise
    except Exception:  # openpyxl raises many kinds for non-spreadsheets
        raise ImportRejected(ImportResult(file_error=NOT_XLSX)) from None


# Model fields the import sets. The others keep their defaults (valid by construction), so full_clean skips them,
# as it skips user/branch/party_group, which are checked against the organizations in scope here.
_SET_BY_IMPORT = ({attr for _, attr, _ in COLUMNS} - {"branch_code", "group_code", "id_number"}
                  | {"id_number_encrypted", "id_number_digest", "id_number_masked", "joined_branch_on"})
_CLEAN_EXCLUDE = [f.name for f in Member._meta.concrete_fields if f.name not in _SET_BY_IMPORT]


def _parse_row(raw, index: dict[str, int], dates: dict) -> tuple[dict, list[str]]:
    """One spreadsheet row -> (model values, error texts); the checks that need no database."""
    errors, data = [], {}
    for header, attr, required in COLUMNS:
        i = index.get(header)
        value = raw[i] if i is not None and i < len(raw) else None
        if isinstance(value, str):
            # = + - @ (and a leading tab, CR or LF) make a spreadsheet run the text as a formula, also after blanks.
            if is_formula_like(value) or is_formula_like(value.strip()):
                errors.append(FORMULA.format(header=header))
                continue
            value = value.strip()
        if value is None or value == "":
            if required:
                errors.append(f"“{header}”不能为空。")
            continue
        try:
            if attr in DATE_FIELDS:
                key = (value, header)
                if key not in dates:  # few distinct dates in a file: each parsed once (a str is the error)
                    try:
                        dates[key] = _parse_date(value, header)
                    except ValueError as exc:
                        dates[key] = str(exc)
                value = dates[key]
                if isinstance(value, str):
                    raise ValueError(value)
            elif attr in CHOICES:
                if str(value) not in CHOICES[attr]:
                    raise ValueError(f"“{header}”应为：{'、'.join(CHOICES[attr])}（实际为“{value}”）")
                value = CHOICES[attr][str(value)]
            elif attr == "id_number":
                shown = excel_mangled(value)
                if shown:
                    raise ValueError(EXCEL_NUMBER.format(header=header, shown=shown))
                value = validate_id_number(str(value))
            elif attr == "phone":
                value = str(value).split(".")[0]
                validate_phone(value)
            else:
                value = str(value)
                # Control and format characters (Cc/Cf: tabs, zero-width, right-to-left override…);
                # isprintable() is true only when there are none, so most cells skip the per-character scan.
                if len(value) > 120 or (not value.isprintable()
                                        and any(unicodedata.category(c) in ("Cc", "Cf") for c in value)):
                    raise ValueError(f"“{header}”过长或含有不可见字符。")
        except ValidationError as exc:
            errors.append(f"“{header}”：{'；'.join(exc.messages)}")
            continue
        except ValueError as exc:
            errors.append(str(exc))
            continue
        data[attr] = value
    if data.get("id_number"):
        # The ID number holds birth date and gender: blanks are filled from it, given values must agree.
        for attr, message in id_mismatches(data["id_number"], birth_date=data.get("birth_date"),
                                           gender=data.get("gender")).items():
            errors.append(f"“{_HEADER_OF[attr]}”：{message}")
        data.setdefault("birth_date", id_birth_date(data["id_number"]))
        data.setdefault("gender", id_gender(data["id_number"]))
    else:
        errors.extend(f"“{_HEADER_OF[attr]}”不能为空。" for attr in ("gender", "birth_date")
                      if attr not in data and not any(_HEADER_OF[attr] in e for e in errors))
    return data, errors


def import_members(*, fileobj, by, registered_on: date | None = None) -> ImportResult:
    """Validate every row; save all of them in one transaction or none. Raises ImportRejected with the errors.

    Checks run in bulk: each row is parsed on its own, then one query finds the organizations the file names
    (within the importer's scope), a set finds duplicates inside the file and one query those already in the
    registry; nothing is written until every row has passed.
    """
    wb = _open(fileobj)
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header_row = next(rows, None)
    headers = [str(h).strip() if h is not None else "" for h in (header_row or [])]
    missing = [h for h, _, required in COLUMNS if required and h not in headers]
    if missing:
        raise ImportRejected(ImportResult(file_error=BAD_HEADERS.format(missing="、".join(missing))))
    index = {h: headers.index(h) for h in HEADERS if h in headers}

    checked: list[tuple[int, dict, list[str]]] = []
    dates: dict = {}
    for rownum, raw in enumerate(rows, start=2):
        if raw is None or all(v is None or str(v).strip() == "" for v in raw):
            continue
        if len(checked) >= MAX_ROWS:
            raise ImportRejected(ImportResult(file_error=TOO_MANY_ROWS.format(max=MAX_ROWS)))
        data, errors = _parse_row(raw, index, dates)
        checked.append((rownum, data, errors))
    if not checked:
        raise ImportRejected(ImportResult(file_error=EMPTY))

    codes = {data[k] for _, data, _ in checked for k in ("branch_code", "group_code") if data.get(k)}
    orgs = {o.code: o for o in Organization.objects.restrict(by, CHANGE).active().filter(code__in=codes)}
    today = registered_on or date.today()
    seen_ids: dict[str, int] = {}
    parsed: list[tuple[int, Member]] = []
    result = ImportResult()
    for rownum, data, errors in checked:
        branch_code = data.pop("branch_code", None)
        branch = orgs.get(branch_code) if branch_code else None
        if branch_code and branch is None:
            errors.append(f"党支部编码“{branch_code}”不存在、已撤销或不在您的管理范围内。")
        elif branch is not None and not branch.is_branch:
            errors.append(f"党支部编码“{branch_code}”对应的不是党支部。")
            branch = None
        group_code = data.pop("group_code", None)
        group = None
        if group_code:
            group = orgs.get(group_code)
            if group is None or not group.is_group or (branch and group.parent_path != branch.path):
                errors.append("党小组编码不存在或不属于所填党支部。")
        idn = data.get("id_number")
        if idn:
            if idn in seen_ids:
                errors.append(f"身份证号与第 {seen_ids[idn]} 行重复。")
            else:
                seen_ids[idn] = rownum
        if not errors:
            id_number = data.pop("id_number")
            member = Member(branch=branch, party_group=group, **data)
            member.set_id_number(id_number)  # Fernet (cached instance): ~13 µs a row
            member.joined_branch_on = today
            try:
                member.full_clean(exclude=_CLEAN_EXCLUDE, validate_unique=False)
            except ValidationError as exc:
                errors.extend(f"{Member._meta.get_field(f).verbose_name if f != '__all__' else ''}：{'；'.join(m)}".lstrip("：")
                              for f, m in exc.message_dict.items())
            else:
                parsed.append((rownum, member))
        if errors:
            result.errors.append(RowError(rownum, errors))
    # Duplicates against the registry: one query for all digests.
    digests = {m.id_number_digest: rownum for rownum, m in parsed}
    others = list(Member.objects.filter(id_number_digest__in=digests, is_active=True).select_related("branch"))
    texts, accesses = duplicate_id_messages(others=others, by=by, detail="批量导入时身份证号重复核对")
    for other in others:
        result.errors.append(RowError(digests[other.id_number_digest], [texts[other.pk]]))
    if result.errors:
        result.errors.sort(key=lambda e: e.row)
        pii_access_record(accesses)   # nothing of the file is saved, the naming of in-scope holders is logged
        raise ImportRejected(result)
    with transaction.atomic():
        members = [m for _, m in parsed]
        for m in members:
            m._history_user = by
        created = bulk_create_with_history(members, Member, batch_size=1000, default_user=by)
        if not all(m.pk for m in created):  # SQLite < 3.35 cannot return ids from bulk inserts
            created = list(Member.objects.filter(id_number_digest__in=digests).order_by("id"))
        MembershipMove.objects.bulk_create(
            [MembershipMove(member=m, kind=MoveKind.REGISTERED, to_organization_id=m.branch_id,
                            occurred_on=m.joined_branch_on, note="批量导入", recorded_by=by) for m in created],
            batch_size=1000,
        )
        members_bulk_written.send(sender=Member, branch_ids={m.branch_id for m in created})  # bulk: no post_save
    result.created = len(created)
    return result
