"""The API's JSON renderer: DRF's JSONRenderer output, encoded by orjson.

Why: `json.dumps` with DRF's encoder was ~1 ms of a 100-row list page's ~11 ms (benchmarks/RESULTS.md, the API lists
against their own SQL); orjson encodes the same page in a tenth of that. The bytes are DRF's: compact separators,
UTF-8 text unescaped, U+2028/U+2029 escaped, and every type orjson would write its own way (datetimes, times, and
what it does not know: Decimal, lazy translations, UUID, …) goes through DRF's own encoder. An indented response
(`Accept: application/json; indent=4`) or anything orjson refuses (an integer over 64 bits) is left to DRF.
One difference: a float NaN or infinity, which DRF's strict JSON refuses with an error, is written as null.
"""
from __future__ import annotations

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_DRF_ENCODER = JSONEncoder()
# orjson writes datetimes and dataclasses natively but not as DRF does ("+00:00" for "Z"; DRF has no dataclass
# rule): hand them, and every type orjson does not know, to DRF's encoder.
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


class PortalJSONRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.ensure_ascii or not self.compact or self.get_indent(accepted_media_type, renderer_context or {}):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            text = orjson.dumps(data, default=_DRF_ENCODER.default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        # as DRF does: JSON that is also a strict JavaScript subset
        return text.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
