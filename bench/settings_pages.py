"""Settings for bench/pages_bench.py only: the project's settings plus Oscar's stock pages.

Everything of shop.settings.base stays as it is (same middleware, database, cache, search
engine, the project's templates first); two things are added:

- ROOT_URLCONF ``bench.urls_pages``: the project's URL map plus ``/stock/...`` routes that
  serve Oscar's unmodified views (see that module);
- a second Django template engine, ``oscar_stock``, that finds Oscar's own templates first
  (its DIRS is Oscar's template folder, not ours). Only views that ask for it by name use it,
  so every page of the project renders exactly as in production: ``django.template.loader``
  tries the engines in order and the project's engine, first, finds every template.

Never used by tests or by the running site.
"""

from pathlib import Path

import oscar

from shop.settings.base import *  # noqa: F403
from shop.settings.base import TEMPLATES

ROOT_URLCONF = "bench.urls_pages"

OSCAR_TEMPLATES = Path(oscar.__file__).resolve().parent / "templates"

TEMPLATES = [
    TEMPLATES[0],
    {
        **TEMPLATES[0],
        "NAME": "oscar_stock",
        "DIRS": [OSCAR_TEMPLATES],
        "APP_DIRS": True,
        "OPTIONS": dict(TEMPLATES[0]["OPTIONS"]),
    },
]
