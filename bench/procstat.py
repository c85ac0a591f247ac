"""What the benchmarks measure of the machine: CPU seconds of processes and of the whole
machine from Linux's /proc, the local ports a process holds, percentiles and slopes. Pure
functions, no Django (bench/pages_bench.py, bench/dispatch_bench.py)."""

from __future__ import annotations

import os
import statistics
from datetime import UTC, datetime
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def slope(samples: list[tuple[float, int]]) -> float:
    if len(samples) < 3:
        return 0.0
    xs, ys = [s[0] for s in samples], [s[1] for s in samples]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=False)) / den if den else 0.0


def epoch(moment: datetime | None) -> float | None:
    return moment.astimezone(UTC).timestamp() if moment else None




def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used, 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / TICK, sum(values) / TICK


def pids_named(name: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    found.append(int(entry.name))
            except OSError:
                pass
    return found




def processes():
    """(pid, parent pid, own CPU s, reaped children's CPU s, command line) of every process (Linux /proc)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                command = cmdline.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        # after the command: state, ppid, ..., utime (11), stime (12), cutime (13), cstime (14)
        own = (int(fields[11]) + int(fields[12])) / TICK
        reaped = (int(fields[13]) + int(fields[14])) / TICK
        yield int(entry), int(fields[1]), own, reaped, command


def local_ports(pids) -> set[int]:
    """Local TCP ports of the sockets these processes hold (their database connections among them)."""
    inodes = set()
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except OSError:
            continue
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as lines:
                next(lines)
                for line in lines:
                    fields = line.split()
                    if fields[9] in inodes:
                        ports.add(int(fields[1].rsplit(":", 1)[1], 16))
        except OSError:
            continue
    return ports


def cpu_seconds(master_pid: int, *, reaped_backends: bool) -> dict[str, dict]:
    """CPU seconds so far, per process, of what serves the pages: the gunicorn workers (exact),
    PostgreSQL and Elasticsearch.

    PostgreSQL: the backends serving the workers' connections (matched by the workers' local
    ports: exact), plus, when gunicorn opens a connection per request (``reaped_backends``),
    every backend the postmaster has reaped (other people's too: approximate).
    Elasticsearch: the whole JVM (shared with anyone else querying it: approximate).
    """
    totals = {"workers": {}, "postgres": {}, "elasticsearch": {}}
    postmasters = set()
    rows = list(processes())
    for pid, parent, own, reaped, command in rows:
        if parent == master_pid:
            totals["workers"][pid] = own
        elif "/bin/postgres " in command or command.startswith("postgres -D"):
            postmasters.add(pid)
            if reaped_backends:
                totals["postgres"][f"reaped by {pid}"] = reaped
        elif "org.elasticsearch.bootstrap.Elasticsearch" in command:
            totals["elasticsearch"][pid] = own
    ports = local_ports(totals["workers"])
    for pid, parent, own, _reaped, command in rows:
        if parent in postmasters and command.startswith("postgres: "):
            # "postgres: user database 127.0.0.1(port) state"
            client = command.split()[3] if len(command.split()) > 3 else ""
            port = client.rsplit("(", 1)[-1].rstrip(")")
            if port.isdigit() and int(port) in ports:
                totals["postgres"][pid] = own
    return totals


def cpu_spent(before: dict[str, dict], after: dict[str, dict]) -> dict[str, float]:
    """CPU seconds spent between two ``cpu_seconds`` readings; a process that appeared counts
    whole, one that went away (a backend closed, a worker restarted) counts nothing."""
    return {who: sum(seconds - before[who].get(key, 0.0) for key, seconds in after[who].items()) for who in after}
