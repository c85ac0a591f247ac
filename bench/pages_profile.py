"""Where the time of a product page goes: queries per request, statement by statement, and a
CPU profile (Django's test client, in process). Part of bench/pages_bench.py (``--profile``),
imported after it has set Django up."""

from __future__ import annotations

import cProfile
import io
import pstats
import statistics
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent


def profile_detail(urls: dict[str, list[str]], requests: int) -> None:
    """Queries per request and where the time of a product page goes (Django test client)."""
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()

    def get(url):
        client.cookies.clear()  # an anonymous visitor without cookies, as the HTTP clients are
        return client.get(url)

    print(f"\nprofile (in process, Django test client, {requests} requests per page, CONN_MAX_AGE="
          f"{settings.DATABASES['default'].get('CONN_MAX_AGE')})")
    for page in ("detail", "stock-detail", "list", "stock-list"):
        page_urls_ = urls[page]
        for url in page_urls_[:5]:
            get(url)  # templates compiled, connection warm
        counts, sql_ms, total_ms, cpu_ms = [], [], [], []
        for number in range(requests):
            url = page_urls_[number % len(page_urls_)]
            with CaptureQueriesContext(connection) as queries:
                started, cpu = time.perf_counter(), time.process_time()
                response = get(url)
                total_ms.append((time.perf_counter() - started) * 1000)
                cpu_ms.append((time.process_time() - cpu) * 1000)
            assert response.status_code == 200, (url, response.status_code)
            statements = [q for q in queries.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")]
            counts.append(len(statements))
            sql_ms.append(sum(float(q["time"]) for q in queries.captured_queries) * 1000)
        print(f"  {page:<13} queries/request min {min(counts)} max {max(counts)} mean {statistics.mean(counts):.1f}"
              f"   ms/request {statistics.mean(total_ms):.1f} (SQL round trips {statistics.mean(sql_ms):.1f},"
              f" CPU of this process {statistics.mean(cpu_ms):.1f})")

    print("\n  one product page, statement by statement:")
    with CaptureQueriesContext(connection) as queries:
        get(urls["detail"][0])
    for query in queries.captured_queries:
        print(f"    {float(query['time']) * 1000:5.1f} ms  {query['sql'][:150]}")

    profiler = cProfile.Profile(time.process_time)  # CPU time: what others running here do not inflate
    profiler.enable()
    for number in range(requests):
        get(urls["detail"][number % len(urls["detail"])])
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = max(stat[3] for stat in stats.stats.values())
    phases = {
        "whole request (handler)": "django/core/handlers/base.py:get_response",
        "view before rendering": "django/views/generic/base.py:view",
        "  the product (and prefetches)": "django/views/generic/detail.py:get_object",
        "  offers": "catalog/selectors.py:product_offers",
        "  breadcrumb": "catalog/selectors.py:category_trail",
        "template rendering": "django/template/response.py:rendered_content",
        "  service slots of the add-to-basket forms (basket app)": "shop/basket/selectors.py:service_slots",
        "  translations (gettext)": "django/utils/translation/trans_real.py:gettext",
        "  currency formatting (Babel)": "oscar/templatetags/currency_filters.py:currency",
        "  URL reversing": "django/urls/base.py:reverse",
        "SQL compile (Django ORM)": "django/db/models/sql/compiler.py:as_sql",
        "SQL execute (driver, round trips)": "django/db/backends/utils.py:execute",
    }
    print(f"\n  where the CPU goes (cProfile on CPU time, cumulative, share of {total:.2f} s for {requests} product"
          " pages; the profiler inflates Python-heavy parts):")
    for label, where in phases.items():
        path, function = where.rsplit(":", 1)
        cumulative = sum(stat[3] for (filename, _line, name), stat in stats.stats.items()
                         if filename.endswith(path) and name == function)
        print(f"    {label:<56} {cumulative / total * 100:5.1f} %")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
    print("\n  top functions by own time:")
    for line in out.getvalue().splitlines():
        if line.strip() and ("/" in line or "ncalls" in line):
            print("   ", line.replace(str(BASE_DIR / ".venv/lib/python3.11/site-packages") + "/", "")[:160])
