"""The dispatch bench's own processes: its Celery worker and beat, and the couriers' apps
(processes that poll their open offers and accept them). Part of bench/dispatch_bench.py,
imported after it has pointed the environment at the bench database and set Django up."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection
from django.utils import timezone as dj_timezone

from delivery import dispatch
from delivery.models import DispatchJob, FulfilmentGroup, JobOffer
from delivery.tasks import WAKE_KEY
from shop.celery import app
from shop.core.errors import DomainError

ROOT = Path(__file__).resolve().parent.parent
S = FulfilmentGroup.Status


def free_couriers() -> None:
    """Bench only: jobs held from an earlier run are marked delivered, so couriers have room
    again, and what an earlier (overloaded) run left in the queue is dropped."""
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge("dispatch")
        conn.default_channel.client.delete(WAKE_KEY)
    FulfilmentGroup.objects.filter(status__in=[S.POINT_ASSIGNED, S.COURIER_ASSIGNED, S.CREATED, S.AWAITING_PAYMENT]
                                   ).update(status=S.DELIVERED)
    JobOffer.objects.filter(state=JobOffer.State.PENDING).update(state=JobOffer.State.WITHDRAWN)
    DispatchJob.objects.filter(routed_at__isnull=True).update(routed_at=dj_timezone.now())


class Celery:
    """The bench's own worker (prefork, 2 processes, dispatch queue) and beat."""

    def __init__(self, concurrency: int, log_dir: Path, extra: tuple[str, ...] = (), *, env: dict | None = None,
                 cpus: str = ""):
        """`env`: settings for the worker (e.g. DISPATCH_BATCH); `cpus`: pin the worker to these
        CPUs (taskset -c), to measure what one core sustains."""
        self.concurrency, self.log_dir, self.extra = concurrency, log_dir, extra
        self.env, self.pin = dict(os.environ, **(env or {})), (["taskset", "-c", cpus] if cpus else [])
        self.processes = []

    def __enter__(self):
        self.log_dir.mkdir(parents=True, exist_ok=True)
        free_couriers()
        others = [name for name, queues in (app.control.inspect(timeout=1.0).active_queues() or {}).items()
                  if any(q["name"] == "dispatch" for q in queues)]
        if others:
            sys.exit(f"other workers consume the bench's dispatch queue: {others}")
        hostname = f"dispatch-bench-{os.getpid()}@%h"
        self.processes.append(subprocess.Popen(
            [*self.pin, sys.executable, "-m", "celery", "-A", "shop", "worker", "--pool=prefork",
             f"--concurrency={self.concurrency}", "-Q", "dispatch", "-n", hostname, "--without-gossip",
             "--without-mingle", "--loglevel=WARNING", f"--logfile={self.log_dir / 'worker.log'}", *self.extra],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT))
        self.processes.append(subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "shop", "beat", "--loglevel=WARNING",
             f"--schedule={self.log_dir / 'beat-schedule'}", f"--logfile={self.log_dir / 'beat.log'}"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 240  # minutes on a loaded machine
        while not app.control.ping(timeout=1.0):
            if time.monotonic() > deadline or self.processes[0].poll() is not None:
                self.__exit__()  # stop what was started
                sys.exit(f"the bench worker did not start (log: {self.log_dir / 'worker.log'})")
        return self

    def __exit__(self, *exc):
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def courier_app(index: int, count: int, ready, stopping) -> None:
    """One courier-app process: polls the open offers of every `count`-th group and accepts them."""
    try:
        JobOffer.objects.exists()  # connected: the first poll is not the one to pay for it
        ready.set()
        while not stopping.is_set():
            offers = list(JobOffer.objects.filter(state=JobOffer.State.PENDING).extra(
                where=["group_id %% %s = %s"], params=[count, index]).select_related("courier")[:200])
            for offer in offers:
                try:
                    dispatch.courier_accept(courier=offer.courier, group_id=offer.group_id)
                except DomainError:
                    pass
            if not offers:
                time.sleep(0.02)
    finally:
        connection.close()


class CourierApps:
    """Every courier's app: processes of their own (the phones are not the web tier, so they do
    not share its interpreter lock) that poll the open offers and accept them."""

    def __init__(self, processes: int = 2):
        context = multiprocessing.get_context("spawn")
        self.stopping = context.Event()
        self.ready = [context.Event() for _ in range(processes)]
        self.processes = [context.Process(target=courier_app, args=(i, processes, self.ready[i], self.stopping),
                                          daemon=True) for i in range(processes)]

    def __enter__(self):
        for process in self.processes:
            process.start()
        for ready in self.ready:  # each has imported Django and connected (seconds on a busy machine)
            if not ready.wait(timeout=120):
                sys.exit("the courier apps did not start")
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for process in self.processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
