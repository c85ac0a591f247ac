"""Where a drain's time goes, in-process (never a test): the drain's fixed cost against its cost
per group, and a profile of the worker's side.

    scripts/with-env.sh dev uv run python bench/dispatch_profile.py --sizes 1,5,20 --drains 40
    scripts/with-env.sh dev uv run python bench/dispatch_profile.py --sizes 1 --drains 100 --profile 30

For each size k it commits k orders (as the bench's producers do: the payment confirmation and
``request_dispatch`` in one transaction; the wake's message is not sent), then runs one drain
(``delivery.tasks.drain_pending``) in this process, `--drains` times, and prints per drain:
this process's CPU (the worker's Python), the CPU of its PostgreSQL backend (exact, from /proc),
statements, and the same per group. A fit over the sizes gives the fixed cost of a drain and
the cost of one more group. With ``--profile N`` it prints the N heaviest functions
(cumulative) of the drains of the first size. The Celery task around the drain (the message,
the pool's pipe, the ack) is not in these figures: the bench (bench/dispatch_bench.py) has it.

It uses the bench's database and Redis database (bench/dispatch_bench.py: the same shops,
couriers and addresses) and frees the couriers before each size.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench import dispatch_bench as bench  # noqa: E402  (points Django at the bench database, sets it up)
from bench import procstat  # noqa: E402
from bench.dispatch_workers import free_couriers  # noqa: E402
from delivery import tasks  # noqa: E402
from delivery.outbox import request_dispatch  # noqa: E402
from delivery.services import transition  # noqa: E402
from delivery.signals import dispatch_requested  # noqa: E402

S = bench.S


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def commit(group_ids: list[int]) -> None:
    for group_id in group_ids:
        with transaction.atomic():
            transition(group_id=group_id, to=S.CREATED, actor="bench:payment", note="支付成功")
            request_dispatch(group_ids=[group_id])


def measure(size: int, drains: int, profiler: cProfile.Profile | None) -> dict:
    free_couriers()
    group_ids = bench.prepare_orders(size * drains, tag=f"prof{size}")
    pid = backend_pid()
    cpu, pg, statements, routed = [], [], [], 0
    for i in range(drains):
        commit(group_ids[i * size:(i + 1) * size])
        py0, pg0 = time.process_time(), procstat.process_cpu(pid)
        with CaptureQueriesContext(connection) as queries:
            if profiler:
                profiler.enable()
            routed += tasks.drain_pending()
            if profiler:
                profiler.disable()
        cpu.append(time.process_time() - py0)
        pg.append(procstat.process_cpu(pid) - pg0)
        statements.append(len(queries))
    if routed != size * drains:
        print(f"  warning: {routed} of {size * drains} groups routed")
    return {"size": size, "cpu_ms": statistics.fmean(cpu[1:] or cpu) * 1000, "pg_ms": statistics.fmean(pg[1:] or pg) * 1000,
            "statements": statistics.fmean(statements[1:] or statements)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1,5,20", help="groups committed before each drain")
    parser.add_argument("--drains", type=int, default=40)
    parser.add_argument("--profile", type=int, default=0, help="print the N heaviest functions of the first size")
    parser.add_argument("--sort", default="cumulative", help="the profile's order: cumulative or tottime")
    args = parser.parse_args()
    bench.prepare()
    dispatch_requested.disconnect(dispatch_uid="delivery.tasks.send")  # no messages: the drain runs here
    print(f"load average {procstat.os.getloadavg()[0]:.2f}")
    rows, profiler = [], None
    for n, size in enumerate(int(s) for s in args.sizes.split(",")):
        profiler = cProfile.Profile(time.process_time) if args.profile and n == 0 else None  # CPU, not waits
        row = measure(size, args.drains, profiler)
        rows.append(row)
        print(f"{size:3d} groups a drain: Python {row['cpu_ms']:6.1f} ms ({row['cpu_ms'] / size:5.1f} a group), "
              f"its PostgreSQL backend {row['pg_ms']:6.1f} ms ({row['pg_ms'] / size:5.1f}), "
              f"{row['statements']:5.1f} statements ({row['statements'] / size:4.1f})", flush=True)
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.profile)
            print(out.getvalue())
    if len(rows) >= 2:
        xs = [r["size"] for r in rows]
        for key in ("cpu_ms", "pg_ms", "statements"):
            ys = [r[key] for r in rows]
            mx, my = statistics.fmean(xs), statistics.fmean(ys)
            per = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)
            print(f"{key}: fixed {my - per * mx:6.1f} a drain + {per:5.2f} a group; load {procstat.os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
