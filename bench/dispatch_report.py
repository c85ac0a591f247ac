"""What bench/dispatch_bench.py measures of the machine and how it prints it: CPU per process
group during a run (the worker, its own PostgreSQL backends, the rest), one line per rate and
the side-by-side summary of the dispatch modes. Imported after Django is set up."""

from __future__ import annotations

import os
import time

from django.db import connection

from bench import procstat

BENCH_DB = "market_dispatch_bench"


class CpuMeter:
    """CPU used during a run by the worker (main process and pool), the PostgreSQL backends
    serving the worker's own connections (matched by the worker's local ports: exact, the
    worker keeps its connections, DATABASE_CONN_MAX_AGE), beat, this bench process, PostgreSQL
    as a whole for the bench database (its own processes and the bench database's backends,
    not other databases'), Redis, and the machine as a whole; the rest is other people's work."""

    def __init__(self, worker_pid: int, beat_pid: int, courier_pids: list[int]):
        self.worker_pid, self.beat_pid, self.courier_pids = worker_pid, beat_pid, courier_pids

    def _backends(self) -> dict[int, int]:
        """Backend pid -> client port, for the bench database's connections."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT pid, client_port FROM pg_stat_activity WHERE datname = %s", [BENCH_DB])
            return {pid: port for pid, port in cursor.fetchall() if port}

    def _pg_pids(self) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname IS NOT NULL AND datname <> %s", [BENCH_DB])
            others = {row[0] for row in cursor.fetchall()}
        return [pid for pid in procstat.pids_named("postgres") if pid not in others]

    def snapshot(self) -> dict:
        me = os.times()
        busy, total = procstat.machine_cpu()
        worker = [self.worker_pid, *procstat.children(self.worker_pid)]
        ports = procstat.local_ports(worker)
        groups = {"worker": worker, "beat": [self.beat_pid], "pg": self._pg_pids(),
                  "worker_pg": [pid for pid, port in self._backends().items() if port in ports],
                  "redis": procstat.pids_named("redis-server"), "couriers": self.courier_pids}
        return {**{key: {pid: procstat.process_cpu(pid) for pid in pids} for key, pids in groups.items()},
                "bench": me.user + me.system, "busy": busy, "total": total, "wall": time.monotonic()}

    @staticmethod
    def used(before: dict, after: dict) -> dict:
        def delta(key):  # a process that appeared during the run counts whole
            return sum(cpu - before[key].get(pid, 0.0) for pid, cpu in after[key].items())

        used = {key: delta(key) for key in ("worker", "worker_pg", "beat", "pg", "redis", "couriers")}
        used.update(wall=after["wall"] - before["wall"], bench=after["bench"] - before["bench"],
                    machine_busy=after["busy"] - before["busy"], machine_total=after["total"] - before["total"])
        return used


def show(r: dict) -> None:
    ms = lambda v: f"{v * 1000:7.0f}"  # noqa: E731
    print(f"[{r['mode']}] rate {r['rate']:5.0f}/s offered {r['offered_rate']:6.1f}/s ({r['orders']} orders,"
          f" {r['late_starts']} late) | assigned {r['throughput']:6.1f}/s, in-run {r['assigned_in_run_per_s']:6.1f}/s,"
          f" missing {r['missing']} | backlog max {r['backlog_max']}, end {r['backlog_end']},"
          f" slope {r['backlog_slope']:+.2f}/s (queued messages max {r['queue_max']})"
          f" | ms p50/p99 point {ms(r['point_p50'])}/{ms(r['point_p99'])} offer {ms(r['offer_p50'])}/{ms(r['offer_p99'])}"
          f" courier_assigned {ms(r['p50'])}/{ms(r['p99'])} | {'SUSTAINED' if r['sustained'] else 'not sustained'}",
          flush=True)
    drains = r["tasks"].get("dispatch.drain", 0)
    print(f"      tasks run: {', '.join(f'{name} {n}' for name, n in sorted(r['tasks'].items())) or '?'};"
          f" {drains / max(r['orders'], 1):.2f} drain tasks per order, {r['orders'] / max(r['batches'], 1):.1f} groups"
          f" per batch that routed ({r['batches']} batches)", flush=True)
    c = r["cpu"]
    ours = c["worker"] + c["beat"] + c["pg"] + c["redis"] + c["bench"] + c["couriers"]
    print(f"      CPU while placing ({c['wall']:.0f} s, in cores): worker {c['worker'] / c['wall']:.2f}"
          f" ({r['worker_ms_per_order']:.1f} ms per order offered, counted until the last offer; its PostgreSQL backends"
          f" {r['pg_ms_per_order']:.1f} ms), PostgreSQL {c['pg'] / c['wall']:.2f},"
          f" Redis {c['redis'] / c['wall']:.2f}, beat {c['beat'] / c['wall']:.2f},"
          f" producers {c['bench'] / c['wall']:.2f}, courier apps {c['couriers'] / c['wall']:.2f}; machine busy"
          f" {c['machine_busy'] / c['machine_total'] * 100:.0f}% of {os.cpu_count()} cores, other work"
          f" {max(c['machine_busy'] - ours, 0) / c['wall']:.2f} cores; load average {r['load']:.2f}", flush=True)


def pinned_cores(cpus: str) -> int:
    """How many CPUs a taskset list names: "0" → 1, "0,1" → 2, "0-3" → 4."""
    count = 0
    for part in [p for p in cpus.split(",") if p]:
        low, _, high = part.partition("-")
        count += int(high or low) - int(low) + 1
    return count


def summary(results: list[dict], best: dict[str, float | None], pinned: str, searched: bool = False) -> None:
    """The modes side by side: p50/p99 and whether each rate was sustained, the highest rate
    sustained, CPU per order (the worker, its PostgreSQL backends), the batched mode's ratios to
    one-at-a-time from this same run, whether 150/s holds on this machine, and with the worker
    pinned, the rate per core and what a dedicated worker host would reach."""
    modes = list(dict.fromkeys(r["mode"] for r in results))
    print("\n== dispatch modes side by side (one run; load average "
          f"{os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}) ==")
    print("mode   rate  sustained  p50 ms  p99 ms  worker ms/order  worker's PG ms/order  all PG ms/order"
          "  jobs in runs  load")
    for r in results:
        print(f"{r['mode'] + ('*' if r.get('search') else ''):6} {r['rate']:4.0f}  {'yes' if r['sustained'] else 'no ':9}  {r['p50'] * 1000:6.0f}"
              f"  {r['p99'] * 1000:6.0f}  {r['worker_ms_per_order']:15.1f}  {r['pg_ms_per_order']:20.1f}"
              f"  {r['all_pg_ms_per_order']:15.1f}  {r.get('in_runs', 0):12d}  {r['load']:4.1f}")
    print("(* a step of --find-max)")
    rates = sorted({r["rate"] for r in results})
    print("\ncommit → courier_assigned, p50/p99 ms (sustained?) by rate:")
    print("rate   " + "".join(f"{mode:>28}" for mode in modes))
    for rate in rates:
        cells = []
        for mode in modes:
            r = next((r for r in results if r["mode"] == mode and r["rate"] == rate), None)
            cells.append(f"{r['p50'] * 1000:9.0f}/{r['p99'] * 1000:<7.0f} ({'yes' if r['sustained'] else 'no'})"
                         if r else "-")
        print(f"{rate:4.0f}/s" + "".join(f"{cell:>28}" for cell in cells))
    for mode in modes:
        rate = best.get(mode)
        how = "stepping up with --find-max" if searched else "among --rates (add --find-max to search)"
        print(f"{mode}: highest rate sustained {rate:.0f}/s ({how})" if rate
              else f"{mode}: no rate tried was sustained")
    if {"one", "batch"} <= set(modes):
        for rate in rates:
            one = next((r for r in results if r["mode"] == "one" and r["rate"] == rate), None)
            batch = next((r for r in results if r["mode"] == "batch" and r["rate"] == rate), None)
            if one and batch:
                print(f"batch / one at {rate:.0f}/s: worker CPU per order "
                      f"{batch['worker_ms_per_order'] / max(one['worker_ms_per_order'], 1e-9):.2f}"
                      f" ({one['worker_ms_per_order']:.1f} → {batch['worker_ms_per_order']:.1f} ms, goal ≤ 5),"
                      f" its PostgreSQL CPU per order {batch['pg_ms_per_order'] / max(one['pg_ms_per_order'], 1e-9):.2f}"
                      f" ({one['pg_ms_per_order']:.1f} → {batch['pg_ms_per_order']:.1f} ms, goal ≤ 4)")
    for mode in modes:
        at150 = next((r for r in results if r["mode"] == mode and r["rate"] == 150), None)
        if at150:
            print(f"{mode}: 150/s on this machine ({os.cpu_count()} cores shared by PostgreSQL, Redis, the producers,"
                  f" the courier apps{', the worker pinned to CPU ' + pinned if pinned else ''}):"
                  f" {'SUSTAINED' if at150['sustained'] else 'not sustained'}"
                  f" (assigned {at150['throughput']:.0f}/s, backlog slope {at150['backlog_slope']:+.1f}/s,"
                  f" load {at150['load']:.1f})")
    if pinned:
        cores = pinned_cores(pinned)
        for mode in modes:
            runs = [r for r in results if r["mode"] == mode and r["worker_ms_per_order"] > 0]
            if not runs:
                continue
            worst = max(r["worker_ms_per_order"] for r in runs)
            print(f"{mode}: worker pinned to CPU {pinned} ({cores} core{'s' if cores > 1 else ''}):")
            if best.get(mode):
                per_core = best[mode] / cores
                print(f"   measured: {best[mode]:.0f}/s sustained → {per_core:.0f}/s per core; a dedicated worker host"
                      f" ≈ {2 * per_core:.0f}/s on 2 cores, {4 * per_core:.0f}/s on 4 (PostgreSQL on its own host;"
                      f" a lower bound when other work shared the pinned core)")
            print(f"   from CPU: {worst:.1f} ms of worker CPU per order at most → one dedicated core"
                  f" ≈ {1000 / worst:.0f}/s, 2 cores ≈ {2000 / worst:.0f}/s, 4 cores ≈ {4000 / worst:.0f}/s")
