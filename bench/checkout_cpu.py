"""CPU and statements per checkout, ours against Oscar's stock, in one process (run by hand):

    scripts/with-env.sh dev uv run python bench/checkout_cpu.py [--checkouts 100]

The same bench merchants, residents and 3-shop basket as bench/checkout_bench.py. Each
checkout is one request through the whole Django stack (middleware, token, DRF, the order
layer, the response), sent by Django's test client in this process; baskets are filled
between checkouts and not counted. Checkouts alternate ours / stock so both see the same
machine. It prints, per kind, the CPU of this process (Python: Django, psycopg) and of its
PostgreSQL backend (/proc of the backend's pid) per checkout, the statements per checkout,
and the ratios ours/stock. gunicorn's own CPU is left out (the same for both); latency under
concurrency is bench/checkout_bench.py's.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.db import connection  # noqa: E402

from bench import procstat  # noqa: E402
from bench.checkout_bench import prepare  # noqa: E402  (sets Django up: bench.settings_pages)
from bench.pages_bench import load  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkouts", type=int, default=100, help="checkouts of each kind (default 100)")
    args = parser.parse_args()
    from rest_framework.test import APIClient  # after Django is set up
    merchants, listings, people = prepare(1)
    token, address_id = people[0]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    lines = [{"listing_id": listings[0], "weight_g": 1000}, {"listing_id": listings[1], "quantity": 2},
             {"listing_id": listings[2], "quantity": 1}]
    ours_body = {"address_id": address_id, "payment": "cod",
                 "groups": [{"merchant_id": m, "method": "pickup"} for m in merchants]}

    def checkout(kind: str):
        for line in lines:
            assert client.post("/api/v1/basket/lines/", line, format="json").status_code == 201
        backend = procstat.process_cpu(connection.connection.info.backend_pid) if connection.connection else 0.0
        statements = []  # an execute wrapper: each request's start resets Django's own query log

        def count(execute, sql, params, many, context):
            statements.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            started_cpu, started = time.process_time(), time.perf_counter()
            if kind == "ours":
                response = client.post("/api/v1/checkout/", ours_body, format="json")
            else:
                response = client.post("/stock/checkout/", {}, format="json")
            cpu, wall = time.process_time() - started_cpu, time.perf_counter() - started
        assert response.status_code == 201, response.content[:300]
        backend = procstat.process_cpu(connection.connection.info.backend_pid) - backend
        return cpu, backend, wall, len(statements)

    for kind in ("ours", "stock", "ours", "stock"):  # warm up (and open the connection)
        checkout(kind)
    totals = {kind: [0.0, 0.0, 0.0, 0] for kind in ("ours", "stock")}
    print(f"{args.checkouts} checkouts of each kind, alternating; cpus {os.cpu_count()}; load before {load()}", flush=True)
    for _ in range(args.checkouts):
        for kind in ("ours", "stock"):
            for index, value in enumerate(checkout(kind)):
                totals[kind][index] += value
    n = args.checkouts
    print(f"\n{'checkout':<10}{'python CPU ms':>15}{'postgres CPU ms':>17}{'total CPU ms':>14}{'wall ms':>9}{'statements':>12}")
    rows = {}
    for kind, (cpu, backend, wall, statements) in totals.items():
        rows[kind] = (cpu * 1000 / n, backend * 1000 / n, wall * 1000 / n, statements / n)
        python, pg, wall_ms, count = rows[kind]
        print(f"{kind:<10}{python:>15.1f}{pg:>17.1f}{python + pg:>14.1f}{wall_ms:>9.1f}{count:>12.1f}")
    ours, stock = rows["ours"], rows["stock"]
    print(f"\nours/stock: CPU {(ours[0] + ours[1]) / (stock[0] + stock[1]):.2f}x (python {ours[0] / stock[0]:.2f}x, "
          f"postgres {ours[1] / stock[1] if stock[1] else float('nan'):.2f}x), statements {ours[3] / stock[3]:.2f}x, "
          f"wall {ours[2] / stock[2]:.2f}x   (aim: CPU <= 0.5x)")
    print(f"load after: {load()}")


if __name__ == "__main__":
    main()
