"""FastSelect renders the markup of Django's Select (less blank lines) without a template per option."""
import pytest
from django import forms

from portal.widgets import FastSelect

CHOICES = [("", "全部"), (1, "甲<一>支部"), (2, '"乙"&丙'), ("党总支", [(3, "　下级"), (4, "x")])]


def _lines(html):
    return [line for line in str(html).splitlines() if line.strip()]


@pytest.mark.parametrize("value", [None, 2, "3", [1, 4]])
def test_same_markup_as_django_select(value):
    attrs = {"class": "filter", "data-live": True, "hidden": False}
    expected = forms.Select(choices=CHOICES, attrs=attrs).render("organization", value, attrs={"id": "id_org"})
    got = FastSelect(choices=CHOICES, attrs=attrs).render("organization", value, attrs={"id": "id_org"})
    assert _lines(got) == _lines(expected)
    assert "&lt;一&gt;" in got and "<一>" not in got  # labels are escaped
