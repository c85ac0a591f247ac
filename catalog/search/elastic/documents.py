"""The two Elasticsearch indices and the pure functions that turn models into their documents.

`listings`: one document per listing (a merchant's StockRecord), with the merchant's
location, service area and hours copied in so one query filters and ranks on all of them.
`merchants`: one document per merchant, for the service circle.

What the engine offers decides the mapping. The Maven integ-test distribution ships only
the server core (modules: transport-netty4, x-pack-core, x-pack-security, apm): no
analysis-common (so no `cjk` analyzer and no custom tokenizers), no spatial module (no
`geo_shape`), no painless (no scripts), no mapper-extras (no `scaled_float`). So:
- Chinese text uses the core `standard` analyzer, which emits one token per Han character;
  queries use `match_phrase`, which then means "contains these characters in this order",
  the same substring semantics as the database backend.
- Pinyin is added at index time with pypinyin: `pinyin` holds every run of consecutive
  syllables, joined (qingcai) and as initials (qc), analysed by the core `whitespace`
  analyzer, so a resident typing either finds 青菜.
- Service areas are kept as a bounding box (indexed numbers) plus the polygon or radius
  (stored, not indexed); the engine prefilters on the box and the backend applies the exact
  shapely/haversine test, as the database backend does.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.utils import timezone
from elasticsearch.dsl import (
    Boolean,
    Date,
    DateRange,
    Document,
    Double,
    Float,
    GeoPoint,
    IntegerRange,
    Keyword,
    Long,
    Object,
    Text,
)
from pypinyin import lazy_pinyin
from shapely.geometry import shape

from shop.core.geo import bounding_box

MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
MAX_PINYIN_RUN = 4  # syllables per pinyin token; product names are short

PINYIN_ANALYZER = "whitespace"  # tokens are made lowercase at index time
cjk_text = {"analyzer": "standard"}  # one token per Han character; see the module docstring

INDEX_SETTINGS = {"number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "1s"}


def alias_name(kind: str) -> str:
    return f"{settings.SEARCH_INDEX_PREFIX}-{kind}"


class ListingDocument(Document):
    listing_id = Long()
    product_id = Long()
    title = Text(**cjk_text, fields={"raw": Keyword()})
    parent_title = Text(**cjk_text)
    description = Text(**cjk_text)
    pinyin = Text(analyzer=PINYIN_ANALYZER)
    category_names = Text(**cjk_text, multi=True)
    format_names = Text(**cjk_text, multi=True)
    category_ids = Long(multi=True)
    category_path = Keyword(multi=True)
    product_class = Keyword()
    sale_unit = Keyword()
    price = Double()
    in_stock = Boolean()
    merchant_id = Long()
    merchant_name = Text(**cjk_text, fields={"raw": Keyword()})
    merchant_format = Keyword()
    location = GeoPoint()
    delivers = Boolean()
    open_minutes = IntegerRange(multi=True)  # minutes of the week, Monday 00:00 = 0
    exception_dates = Keyword(multi=True)  # dates whose hours replace the weekly ones
    special_open = DateRange(multi=True)  # open intervals on those dates
    community_id = Long()
    rating = Float()
    updated = Date()
    digest = Keyword(index=False)

    class Index:
        name = "listings"  # replaced by the prefixed alias in index_for()
        settings = INDEX_SETTINGS


class MerchantDocument(Document):
    merchant_id = Long()
    name = Text(**cjk_text, fields={"raw": Keyword()})
    pinyin = Text(analyzer=PINYIN_ANALYZER)
    format = Keyword()
    format_tier = Keyword()
    location = GeoPoint()
    delivers = Boolean()
    delivery_capability = Keyword()
    # the service area: a box the engine filters on, the exact shape checked by the backend
    area_min_lat = Double()
    area_max_lat = Double()
    area_min_lng = Double()
    area_max_lng = Double()
    service_area = Object(enabled=False)
    service_radius_m = Float()
    open_minutes = IntegerRange(multi=True)
    exception_dates = Keyword(multi=True)
    special_open = DateRange(multi=True)
    community_id = Long()
    rating = Float()
    digest = Keyword(index=False)

    class Index:
        name = "merchants"
        settings = INDEX_SETTINGS


DOCUMENTS = {"listings": ListingDocument, "merchants": MerchantDocument}


# --- pure functions: model -> document ---------------------------------------------------------


@lru_cache(maxsize=100_000)
def pinyin_tokens(text: str) -> str:
    """Runs of consecutive syllables, full (qingcai) and as initials (qc), space separated."""
    syllables = [s for s in lazy_pinyin(text, errors="ignore") if s.isascii() and s.isalpha()]
    initials = [s[0] for s in syllables]
    tokens: list[str] = []
    for start in range(len(syllables)):
        for end in range(start + 1, min(start + MAX_PINYIN_RUN, len(syllables)) + 1):
            tokens.append("".join(syllables[start:end]))
            if end - start > 1:
                tokens.append("".join(initials[start:end]))
    if len(syllables) > MAX_PINYIN_RUN:  # the whole name's initials too
        tokens.append("".join(initials))
    return " ".join(dict.fromkeys(tokens))


def _minute(day: int, clock: time) -> int:
    return day * MINUTES_PER_DAY + clock.hour * 60 + clock.minute


def weekly_ranges(periods) -> list[dict]:
    """Opening periods as [gte, lt) minute-of-week ranges; overnight periods split at midnight."""
    ranges = []
    for period in periods:
        start = _minute(period.weekday, period.opens)
        end = _minute(period.weekday, period.closes)
        if end <= start:  # runs past midnight into the next day
            end += MINUTES_PER_DAY
        if end <= MINUTES_PER_WEEK:
            ranges.append({"gte": start, "lt": end})
        else:  # Sunday night into Monday morning
            ranges.append({"gte": start, "lt": MINUTES_PER_WEEK})
            ranges.append({"gte": 0, "lt": end - MINUTES_PER_WEEK})
    return ranges


def exception_fields(exceptions) -> dict:
    dates, special = [], []
    tz = timezone.get_default_timezone()
    for exception in exceptions:
        dates.append(exception.date.isoformat())
        if not exception.is_closed and exception.opens and exception.closes:
            start = datetime.combine(exception.date, exception.opens, tzinfo=tz)
            end = datetime.combine(exception.date, exception.closes, tzinfo=tz)
            if end <= start:
                end += timezone.timedelta(days=1)
            special.append({"gte": start.isoformat(), "lt": end.isoformat()})
    return {"exception_dates": dates, "special_open": special}


def service_area_fields(merchant) -> dict:
    """A drawn polygon wins over the radius, as in catalog.search.backends.circles.delivers_to."""
    if merchant.service_area:
        min_lng, min_lat, max_lng, max_lat = shape(merchant.service_area).bounds
        area, radius = merchant.service_area, None
    elif merchant.service_radius_m and merchant.lat is not None:
        min_lat, max_lat, min_lng, max_lng = bounding_box(merchant.lat, merchant.lng, merchant.service_radius_m)
        area, radius = None, merchant.service_radius_m
    else:
        return {}
    return {"area_min_lat": min_lat, "area_max_lat": max_lat, "area_min_lng": min_lng, "area_max_lng": max_lng,
            "service_area": area, "service_radius_m": radius}


def merchant_fields(merchant) -> dict:
    """What a merchant document and each of its listing documents share."""
    periods = merchant.opening_periods.all()
    exceptions = merchant.opening_exceptions.all()
    return {
        "location": {"lat": merchant.lat, "lon": merchant.lng} if merchant.lat is not None else None,
        "delivers": merchant.delivery_capability != "none",
        "open_minutes": weekly_ranges(periods),
        **exception_fields(exceptions),
        "community_id": merchant.community_id,
        "rating": float(merchant.rating or 0),
    }


def _digest(body: dict) -> str:
    return hashlib.sha1(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()[:16]


def merchant_document(merchant) -> dict:
    body = {
        "merchant_id": merchant.pk,
        "name": merchant.name,
        "pinyin": pinyin_tokens(merchant.name),
        "format": merchant.format_id,
        "format_tier": merchant.format.tier if merchant.format_id else None,
        "delivery_capability": merchant.delivery_capability,
        **service_area_fields(merchant),
        **merchant_fields(merchant),
    }
    return {**body, "digest": _digest(body)}


@dataclass(frozen=True)
class CategoryLookup:
    """Every category by pk and by treebeard path (an ancestor's path is a prefix of a path)."""

    by_pk: dict[int, tuple[str, str]]  # pk -> (path, name)
    by_path: dict[str, tuple[int, str]]  # path -> (pk, name)


def category_lookup() -> CategoryLookup:
    from catalog.models import Category

    rows = list(Category.objects.values_list("pk", "path", "name"))
    return CategoryLookup(by_pk={pk: (path, name) for pk, path, name in rows},
                          by_path={path: (pk, name) for pk, path, name in rows})


def category_fields(category_ids, lookup: CategoryLookup) -> dict:
    """Each category with its ancestors: filtering by a category finds its descendants' listings;
    the names are the categories' own (a search term matches a category by its name)."""
    from catalog.models import Category

    ids, paths, names = set(), set(), set()
    for category_id in category_ids:
        path, name = lookup.by_pk[category_id]
        lineage = [lookup.by_path[path[:end]] for end in range(Category.steplen, len(path) + 1, Category.steplen)]
        ids.update(pk for pk, _name in lineage)
        paths.add(" > ".join(lineage_name for _pk, lineage_name in lineage))
        names.add(name)
    return {"category_ids": sorted(ids), "category_path": sorted(paths), "category_names": sorted(names)}


# The columns a listing document is made from, read with .values() so that a rebuild of a
# million listings builds no model instances.
LISTING_COLUMNS = (
    "pk", "product_id", "price", "num_in_stock", "num_allocated", "partner_id", "date_updated",
    "product__title", "product__description", "product__sale_unit", "product__parent_id",
    "product__parent__title", "product__parent__description",
    "product__product_class__kind", "product__product_class__track_stock",
    "product__parent__product_class__kind", "product__parent__product_class__track_stock",
    "partner__name", "partner__format_id", "partner__format__name_zh", "partner__format__name_en",
)


def listing_document(row: dict, *, shared: dict, category_ids, lookup: CategoryLookup) -> dict:
    """A listing (a row of LISTING_COLUMNS) as its search document.

    `shared` is merchant_fields() of its merchant; `category_ids` are the product's categories
    (a variant's are its parent's); `lookup` is category_lookup().
    """
    title = row["product__title"] or row["product__parent__title"] or ""
    has_parent = row["product__parent_id"] is not None
    kind = row["product__product_class__kind"] or (row["product__parent__product_class__kind"] if has_parent else None)
    tracks = row["product__product_class__track_stock"]
    if tracks is None:
        tracks = row["product__parent__product_class__track_stock"]
    available = (row["num_in_stock"] or 0) - (row["num_allocated"] or 0)
    body = {
        "listing_id": row["pk"],
        "product_id": row["product_id"],
        "title": title,
        "parent_title": row["product__parent__title"] or "",
        "description": (row["product__description"] or row["product__parent__description"] or "")[:2000],
        "pinyin": pinyin_tokens(title),
        **category_fields(category_ids, lookup),
        "product_class": kind,
        "sale_unit": row["product__sale_unit"],
        "price": float(row["price"]) if row["price"] is not None else None,
        "in_stock": tracks is False or available > 0,
        "merchant_id": row["partner_id"],
        "merchant_name": row["partner__name"],
        "merchant_format": row["partner__format_id"],
        "format_names": [row["partner__format__name_zh"], row["partner__format__name_en"]]
        if row["partner__format_id"] else [],
        **shared,
        "updated": row["date_updated"].isoformat() if row["date_updated"] else None,
    }
    return {**body, "digest": _digest(body)}


def decimal_price(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))
