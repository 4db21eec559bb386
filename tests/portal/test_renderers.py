"""The API's JSON renderer writes exactly DRF's bytes (orjson for speed, DRF's encoder for DRF's own types)."""
import datetime
import decimal
import uuid
from collections import OrderedDict
from zoneinfo import ZoneInfo

import pytest
from django.db import models
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from portal.renderers import PortalJSONRenderer


class Kind(models.TextChoices):
    BRANCH = "branch", "党支部"


class Level(models.IntegerChoices):
    HIGH = 3, "高"


SAMPLES = [
    {"name": "甲一党支部", "n": 3, "rate": 0.1 + 0.2, "none": None, "yes": True, "list": [1, "二", 3.5]},
    {"utc": datetime.datetime(2026, 12, 7, 1, 2, 3, 456789, tzinfo=datetime.UTC),
     "shanghai": datetime.datetime(2026, 12, 7, 9, 2, 3, tzinfo=ZoneInfo("Asia/Shanghai")),
     "naive": datetime.datetime(2026, 1, 1, 8, 0), "day": datetime.date(2026, 2, 28), "time": datetime.time(8, 30),
     "span": datetime.timedelta(hours=2), "money": decimal.Decimal("12.50"), "lazy": gettext_lazy("已保存。"),
     "id": uuid.UUID("12345678-1234-5678-1234-567812345678"), "kind": Kind.BRANCH, "level": Level.HIGH},
    OrderedDict([("b", 1), ("a", [OrderedDict(x=1)])]),
    {"results": ReturnList([ReturnDict(a=1, serializer=None)], serializer=None), "next": None},
    {1: "int key", "line": "a\u2028b\u2029c", "quote": 'say "hi" \\ / \n\t', "emoji": "党🚩"},
    [], {}, "text", 12, 2 ** 70,
]


@pytest.mark.parametrize("data", SAMPLES, ids=range(len(SAMPLES)))
def test_the_same_bytes_as_drf(data):
    assert PortalJSONRenderer().render(data) == JSONRenderer().render(data)


def test_an_indented_response_is_drfs():
    data = {"a": [1, 2]}
    media = "application/json; indent=4"
    assert PortalJSONRenderer().render(data, media) == JSONRenderer().render(data, media) == b'{\n    "a": [\n        1,\n        2\n    ]\n}'


def test_the_api_uses_it(settings):
    assert settings.REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] == ["portal.renderers.PortalJSONRenderer"]
