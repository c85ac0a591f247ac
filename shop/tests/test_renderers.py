"""shop/core/renderers.py: orjson writes the very bytes DRF's JSONRenderer writes."""

import json
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer

from shop.core.renderers import OrjsonRenderer

ANSWER = {
    "count": 57, "page": 1, "backend": "elasticsearch", "empty": None, "ok": True,
    "results": [{"id": 2301, "title": "有机青菜 \"新鲜\"\n", "price": "3.50", "distance_m": 333.6, "minutes": 5.8,
                 "merchant": {"id": 9, "name": "青岛路菜场", "format": "wet_market"}}],
    "label": gettext_lazy("综合排序"),
    "amount": Decimal("12.30"),
    "at": datetime(2026, 12, 7, 23, 15, 30, 123456, tzinfo=UTC),
    "day": date(2026, 12, 7), "clock": time(8, 30), "wait": timedelta(minutes=15), "ref": uuid.UUID(int=7),
    "keys": {1: "one", 2: ["two", 2.5, -0.0, 0.1, 12345678901234567]},
    "separators": "line\u2028paragraph\u2029end",
    "tuple": (1, "二"),
}


def test_the_bytes_are_drf_json_renderers():
    # given an answer with Chinese text, escapes, numbers, dates, Decimal, a lazy label, int keys
    # when both renderers write it
    ours, drf = OrjsonRenderer().render(ANSWER), JSONRenderer().render(ANSWER)
    # then the bytes are the same
    assert ours == drf
    assert b"\\u2028" in ours and "青岛路菜场".encode() in ours


def test_an_indent_asked_for_and_no_data_are_drf_json_renderers():
    media_type = "application/json; indent=2"
    assert OrjsonRenderer().render(ANSWER, media_type) == JSONRenderer().render(ANSWER, media_type)
    assert b'\n  "count": 57' in OrjsonRenderer().render(ANSWER, media_type)
    assert OrjsonRenderer().render(None) == JSONRenderer().render(None) == b""


def test_a_float_in_exponent_form_is_the_same_number():
    # the one spelling that differs: 1e-07 (standard library) is written 1e-7
    tiny = {"lat": 1e-7, "far": 1e16}
    assert json.loads(OrjsonRenderer().render(tiny)) == json.loads(JSONRenderer().render(tiny)) == tiny
