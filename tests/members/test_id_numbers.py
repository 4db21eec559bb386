import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from members.validators import mask_id_number, mask_phone, validate_id_number
from tests.members.factories import MemberFactory, valid_id_number


def test_valid_number_passes_and_is_normalized():
    number = valid_id_number(7)
    assert validate_id_number(" " + number.lower() + " ") == number


@pytest.mark.parametrize("bad,code", [("11010119850312001", "id_format"), ("1101011985031200AA", "id_format"),
                                      ("110101198502300012", "id_birth"), ("110101210001010012", "id_birth")])
def test_malformed_numbers(bad, code):
    with pytest.raises(ValidationError) as exc:
        validate_id_number(bad)
    assert exc.value.code == code


def test_wrong_check_digit():
    number = valid_id_number(8)
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        validate_id_number(wrong)
    assert "校验位" in exc.value.messages[0]


def test_x_check_digit_is_valid():
    # 11010519491231002X is the GB 11643 standard's example number.
    assert validate_id_number("11010519491231002x") == "11010519491231002X"


def test_masks():
    assert mask_id_number("11010519491231002X") == "110***********002X"
    assert mask_phone("13812345678") == "138****5678"


@pytest.mark.django_db
def test_id_number_is_encrypted_at_rest(tree):
    number = valid_id_number(9)
    member = MemberFactory(branch=tree.a1, with_id=number)
    with connection.cursor() as cur:
        cur.execute("SELECT id_number_encrypted, id_number_masked FROM members_member WHERE id = %s", [member.pk])
        stored, masked = cur.fetchone()
    assert number not in stored and number[6:14] not in stored
    assert masked == mask_id_number(number)
    member.refresh_from_db()
    assert member.get_id_number() == number


@pytest.mark.django_db
def test_history_never_holds_the_ciphertext_or_digest(tree):
    member = MemberFactory(branch=tree.a1, with_id=valid_id_number(11))
    fields = {f.name for f in member.history.model._meta.fields}
    assert "id_number_encrypted" not in fields and "id_number_digest" not in fields
