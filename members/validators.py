"""Validation of Chinese resident ID numbers (GB 11643-1999)."""
from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_PATTERN = re.compile(r"^\d{17}[\dX]$")

ID_FORMAT_ERROR = _("身份证号应为 18 位，前 17 位为数字，最后一位为数字或 X。")
ID_CHECKSUM_ERROR = _("身份证号校验位不正确，请核对。")
ID_BIRTH_ERROR = _("身份证号中的出生日期无效。")


def normalize_id_number(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


def id_check_digit(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def id_birth_date(value: str) -> date:
    return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


ID_BIRTH_MISMATCH = _("出生日期与身份证号不一致：身份证号中的出生日期为 {born}。")
ID_GENDER_MISMATCH = _("性别与身份证号不一致：身份证号第 17 位表示“{gender}”。")


def id_gender(value: str) -> str:
    """GB 11643: the 17th digit is odd for men, even for women. Returns a members.models.Gender value."""
    return "male" if int(value[16]) % 2 else "female"


def id_mismatches(id_number: str, *, birth_date: date | None, gender: str | None) -> dict[str, str]:
    """Field -> error text where the given birth date or gender contradicts a (valid) ID number; blanks are not errors."""
    from .models import Gender

    errors = {}
    born = id_birth_date(id_number)
    if birth_date and birth_date != born:
        errors["birth_date"] = ID_BIRTH_MISMATCH.format(born=born.isoformat())
    if gender and gender != id_gender(id_number):
        errors["gender"] = ID_GENDER_MISMATCH.format(gender=Gender(id_gender(id_number)).label)
    return errors


def validate_id_number(value: str) -> str:
    value = normalize_id_number(value)
    if not _PATTERN.match(value):
        raise ValidationError(ID_FORMAT_ERROR, code="id_format")
    try:
        born = id_birth_date(value)
    except ValueError:
        raise ValidationError(ID_BIRTH_ERROR, code="id_birth") from None
    if born > date.today() or born.year < 1900:
        raise ValidationError(ID_BIRTH_ERROR, code="id_birth")
    if id_check_digit(value[:17]) != value[17]:
        raise ValidationError(ID_CHECKSUM_ERROR, code="id_checksum")
    return value


def mask_id_number(value: str) -> str:
    value = normalize_id_number(value)
    if len(value) < 8:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_phone(value: str) -> str:
    value = (value or "").strip()
    if len(value) < 7:
        return value
    return value[:3] + "****" + value[-4:]


PHONE_ERROR = _("手机号应为 11 位数字，以 1 开头。")
_PHONE = re.compile(r"^1\d{10}$")


def validate_phone(value: str) -> None:
    if value and not _PHONE.match(value.strip()):
        raise ValidationError(PHONE_ERROR, code="phone")
