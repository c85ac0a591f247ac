"""Reads: the shared catalogue as a shop looks a product up to list it (by name, pinyin or
barcode). A selector module of its own because catalog/selectors.py is being split (layering).

Pinyin: a query of Latin letters matches a title's full pinyin ("jidan") or its initials
("jd"), computed with pypinyin and cached per title in process memory.
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.db.models import Q
from pypinyin import Style, lazy_pinyin

from .models import Product

PINYIN_SCAN_LIMIT = 20_000  # products scanned for a pinyin query (the catalogue of a district)


@lru_cache(maxsize=50_000)
def title_pinyin(title: str) -> tuple[str, str]:
    return "".join(lazy_pinyin(title)).lower(), "".join(lazy_pinyin(title, style=Style.FIRST_LETTER)).lower()


def find_catalogue_products(*, q: str, limit: int = 20) -> list[Product]:
    """Public, buyable (not parent) products matching the query, barcode matches first."""
    q = (q or "").strip()[:64]
    if not q:
        return []
    products = Product.objects.filter(is_public=True).exclude(structure=Product.PARENT).select_related(
        "product_class")
    if q.isdigit() and len(q) >= 8:
        exact = list(products.filter(upc=q)[:limit])
        if exact:
            return exact
    found = list(products.filter(Q(title__icontains=q) | Q(upc=q)).order_by("title", "pk")[:limit])
    if len(found) < limit and re.fullmatch(r"[A-Za-z ]{2,32}", q):
        wanted = q.replace(" ", "").lower()
        seen = {p.pk for p in found}
        for pk, title in products.values_list("pk", "title").order_by("pk")[:PINYIN_SCAN_LIMIT]:
            full, initials = title_pinyin(title)
            if pk not in seen and (wanted in full or initials.startswith(wanted)):
                seen.add(pk)
                if len(seen) >= limit:
                    break
        extra = [pk for pk in seen if pk not in {p.pk for p in found}]
        found += list(products.filter(pk__in=extra).order_by("title", "pk"))
    return found[:limit]
