"""The categories and business formats every search's facets name, from a map kept per process.

Each search asks which categories its category facet counts (catalog.search.listings.
facet_categories) and what its formats are called; both change a few times a year, yet reading
them cost two queries a request, most of the search API's own time. So they are read once into
this map and reused:

- a save or delete of a Category or BusinessFormat forgets this process's map at once (its own
  next read sees the change, even inside the transaction that made it) and, on commit, writes a
  new generation token to the cache (Redis) that every process compares at most once a second;
- a map is never older than ``MAX_AGE_SECONDS`` (a change made without signals: an ``update()``);
- when the cache cannot be read the map is reloaded at most once a second.

So another process shows a renamed or added category within a second of the commit.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from bisect import bisect_left
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from catalog.models import Category
from merchants.models import BusinessFormat

logger = logging.getLogger(__name__)

GENERATION_KEY = "search:labels:generation"
CHECK_SECONDS = 1.0
MAX_AGE_SECONDS = 300.0


@dataclass(frozen=True)
class FacetCategory:
    """What a category facet needs of a browsable category."""

    pk: int
    path: str
    depth: int
    name: str


@dataclass(frozen=True)
class FormatLabel:
    code: str
    name_zh: str
    name_en: str
    sort_order: int


@dataclass
class Labels:
    categories: list[FacetCategory]  # browsable ones, by path
    generation: str | None
    loaded_at: float
    checked_at: float
    by_id: dict[int, FacetCategory] = field(init=False)
    paths: list[str] = field(init=False)

    _formats: dict[str, FormatLabel] | None = field(default=None, init=False)
    _under: dict[tuple[str, int], list[FacetCategory]] = field(default_factory=dict, init=False)

    def __post_init__(self):
        self.by_id = {category.pk: category for category in self.categories}
        self.paths = [category.path for category in self.categories]

    @property
    def formats(self) -> dict[str, FormatLabel]:
        """The business formats by code (read on first use: a category-only search skips them)."""
        if self._formats is None:
            self._formats = {
                code: FormatLabel(code=code, name_zh=name_zh, name_en=name_en or "", sort_order=sort_order)
                for code, name_zh, name_en, sort_order in BusinessFormat.objects.values_list(
                    "code", "name_zh", "name_en", "sort_order")
            }
        return self._formats

    def under(self, path: str, depth: int) -> list[FacetCategory]:
        """The browsable categories at `depth` whose path starts with `path`, by path (kept with
        the map: every search without a category asks for the top level). Do not change the list."""
        if (path, depth) in self._under:
            return self._under[path, depth]
        found = []
        for index in range(bisect_left(self.paths, path), len(self.paths)):
            category = self.categories[index]
            if not category.path.startswith(path):
                break
            if category.depth == depth:
                found.append(category)
        self._under[path, depth] = found
        return found

    def formats_by_order(self, codes) -> list[FormatLabel]:
        """The known formats among `codes`, in the formats' sort order."""
        known = [self.formats[code] for code in codes if code in self.formats]
        return sorted(known, key=lambda label: (label.sort_order, label.code))


_state: Labels | None = None
_lock = threading.Lock()


def _generation() -> str | None:
    """The token of the last change anywhere (one is written when there is none yet)."""
    try:
        generation = cache.get(GENERATION_KEY)
        if generation is None:
            cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
            generation = cache.get(GENERATION_KEY)
        return generation
    except Exception:  # the cache (Redis) is down: fall back to reloading once a second
        logger.warning("search labels: cannot read the cache", exc_info=True)
        return None


def _load(generation: str | None, now: float) -> Labels:
    categories = [
        FacetCategory(pk=pk, path=path, depth=depth, name=name)
        for pk, path, depth, name in Category.objects.browsable().order_by("path").values_list("pk", "path", "depth", "name")
    ]
    return Labels(categories=categories, generation=generation, loaded_at=now, checked_at=now)


def labels() -> Labels:
    """This process's map, reloaded when another process changed a category or format."""
    global _state
    now = time.monotonic()
    state = _state
    if state is not None and now - state.checked_at < CHECK_SECONDS:
        return state
    generation = _generation()
    if (state is not None and generation is not None and generation == state.generation
            and now - state.loaded_at < MAX_AGE_SECONDS):
        state.checked_at = now
        return state
    with _lock:
        if _state is not state and _state is not None:  # another thread reloaded meanwhile
            return _state
        _state = _load(generation, now)
        return _state


def forget() -> None:
    """Drop this process's map (the next search reloads it)."""
    global _state
    _state = None


def _publish() -> None:
    try:
        cache.set(GENERATION_KEY, uuid.uuid4().hex, None)
    except Exception:
        logger.warning("search labels: cannot publish a new generation", exc_info=True)


def _changed(sender, **kwargs) -> None:
    forget()
    transaction.on_commit(_publish)
    transaction.on_commit(forget)  # what this process read inside the transaction may be rolled back


def connect() -> None:
    for model in (Category, BusinessFormat):
        post_save.connect(_changed, sender=model, dispatch_uid=f"search-labels-{model.__name__}-saved")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"search-labels-{model.__name__}-deleted")
