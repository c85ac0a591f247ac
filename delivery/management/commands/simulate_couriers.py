"""`manage.py simulate_couriers`: the demo couriers ride their jobs, so orders flow end to end.

Every step (every `--interval` seconds, 3 by default), each courier with work:

- accepts the job offers waiting for them (dispatch.courier_accept);
- rides toward its next stop at its vehicle's speed, reporting the new position
  (positions.update_position): first to the point of a job it accepted, then to the resident's
  door or the pickup station of a job it picked up;
- on arrival picks up every job waiting at that point (dispatch.courier_pickup) or hands the
  goods over (dispatch.courier_deliver).

The merchants' home-service providers work the same way: accept their bookings, set off, walk
or ride to the resident's door, arrive and finish with the resident's code (delivery.handover),
so `make demo` and `make up` complete service bookings too (--no-providers leaves them be).

These are the services behind the courier and provider APIs, so the tracking page and the API see exactly
what a real courier's app would cause. One log line per accept, move, pickup and delivery.

    --once          one step, then stop
    --speed-up N    ride N times faster than real time (default 1)
    --seconds N     stop after N seconds of wall-clock time (default: until Ctrl-C)
    --interval S    seconds between steps (default 3; 0: no pause, each step still rides 3 s)
    --courier M     only the courier with this mobile number (repeatable)
    --sweeps        also run the dispatch sweeps beat runs (resend, expire offers, re-dispatch
                    stuck groups); on by default when Celery runs eagerly (the embedded demo has
                    no beat), off otherwise (--no-sweeps)

The ride is a straight line at the vehicle's speed divided by the road factor, so a courier
arrives when delivery.positions.eta_for said it would.
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from delivery import dispatch, handover, positions, selectors, tasks, travel
from delivery.models import Courier, FulfilmentGroup, ServiceProvider
from shop.core.errors import DomainError
from shop.core.geo import haversine_m

S = FulfilmentGroup.Status
ARRIVED_M = 5.0  # closer than this is there
DEFAULT_INTERVAL = 3.0


def number(name: str, value, *, zero_ok: bool = False) -> float:
    """A finite number above 0 (or at least 0), or a CommandError naming the option."""
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise CommandError(f"--{name} must be a number, got {value!r}.") from None
    if not math.isfinite(result) or result < 0 or (result == 0 and not zero_ok):
        raise CommandError(f"--{name} must be {'0 or more' if zero_ok else 'above 0'}, got {value!r}.")
    return result


def step_towards(here: tuple[float, float], there: tuple[float, float], metres: float) -> tuple[tuple[float, float], float]:
    """The position `metres` along the straight line from here to there (there if it is closer),
    and the distance left."""
    distance = haversine_m(*here, *there)
    if distance <= max(metres, ARRIVED_M):
        return there, 0.0
    f = metres / distance
    return (here[0] + (there[0] - here[0]) * f, here[1] + (there[1] - here[1]) * f), distance - metres


class Command(BaseCommand):
    help = "Move the demo couriers along their jobs: accept offers, ride to the point and the door, pick up, deliver."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one step, then stop")
        parser.add_argument("--speed-up", default=1.0, help="ride N times faster than real time (default 1)")
        parser.add_argument("--seconds", default=None, help="stop after N seconds (default: run until Ctrl-C)")
        parser.add_argument("--interval", default=DEFAULT_INTERVAL,
                            help="seconds between steps (default 3; 0: no pause, each step still rides 3 s)")
        parser.add_argument("--courier", action="append", default=None, metavar="MOBILE",
                            help="only this courier (mobile number); repeatable")
        parser.add_argument("--sweeps", action="store_true", default=None,
                            help="run the dispatch sweeps each step (default when Celery is eager)")
        parser.add_argument("--no-sweeps", action="store_false", dest="sweeps")
        parser.add_argument("--no-providers", action="store_false", dest="providers",
                            help="leave the home-service providers be (default: they work their bookings)")

    def handle(self, *args, **options):
        speed_up = number("speed-up", options["speed_up"])
        interval = number("interval", options["interval"], zero_ok=True)
        seconds = None if options["seconds"] is None else number("seconds", options["seconds"])
        sweeps = options["sweeps"] if options["sweeps"] is not None else bool(settings.CELERY_TASK_ALWAYS_EAGER)
        self.providers = options.get("providers", True)
        courier_ids = None
        if options["courier"]:
            found = dict(Courier.objects.filter(user__mobile__in=options["courier"]).values_list("user__mobile", "pk"))
            missing = [m for m in options["courier"] if m not in found]
            if missing:
                raise CommandError(f"No courier with the mobile number {', '.join(missing)}.")
            courier_ids = list(found.values())
        self.verbosity = options["verbosity"]
        # a step stands for the time since the last one, sped up (a step without pause for DEFAULT_INTERVAL)
        ride_seconds = (interval or DEFAULT_INTERVAL) * speed_up
        self.log(f"模拟骑手: 每步 {interval:g} 秒, 加速 {speed_up:g} 倍 (每步骑行 {ride_seconds:g} 秒)"
                 + ("" if seconds is None else f", 运行 {seconds:g} 秒") + (", 含调度巡检" if sweeps else ""))
        started = time.monotonic()
        steps = 0
        try:
            while True:
                self.step(ride_seconds=ride_seconds, sweeps=sweeps, courier_ids=courier_ids)
                steps += 1
                if options["once"]:
                    break
                if seconds is not None and time.monotonic() - started + interval > seconds:
                    break
                time.sleep(interval)
        except KeyboardInterrupt:
            pass
        self.log(f"结束: 共 {steps} 步")

    # --- one step -----------------------------------------------------------------------------

    def step(self, *, ride_seconds: float, sweeps: bool, courier_ids: list[int] | None) -> None:
        if sweeps:
            self.sweep()
        for courier in selectors.couriers_with_work(courier_ids=courier_ids):
            try:
                self.accept_offers(courier)
                self.ride(courier, ride_seconds)
            except DomainError as exc:  # the world moved on (cancelled, taken back): next step
                self.log(f"{courier.name}: {exc.detail}")
        if getattr(self, "providers", True) and courier_ids is None:
            for provider in selectors.providers_with_work():
                try:
                    self.provide(provider, ride_seconds)
                except DomainError as exc:
                    self.log(f"{provider.name}: {exc.detail}")

    def provide(self, provider: ServiceProvider, ride_seconds: float) -> None:
        """One step of a provider: accept offers, set off, go to the door, arrive, finish with
        the resident's code (the demo resident always tells it)."""
        for booking in selectors.provider_bookings(provider=provider):
            if booking.state == "offered":
                dispatch.provider_accept(provider=provider, group_id=booking.id)
                self.log(f"{provider.name} 接单 预约{booking.order_number} ({', '.join(booking.services)})")
            elif booking.state == "held" and booking.status == S.COURIER_ASSIGNED:
                dispatch.provider_start(provider=provider, group_id=booking.id)
                self.log(f"{provider.name} 出发 预约{booking.order_number}")
            elif booking.state == "held" and booking.status == S.PICKED_UP:
                self.walk(provider, booking, ride_seconds)
                return  # one door at a time

    def walk(self, provider: ServiceProvider, booking, ride_seconds: float) -> None:
        group = booking.group
        door = (group.dropoff.lat, group.dropoff.lng) if group.dropoff is not None else None
        here = (provider.last_lat, provider.last_lng) if provider.last_lat is not None else door
        if door is not None and here != door:
            speed = travel.DEFAULT_SPEED / travel.ROAD_FACTOR
            there, left = step_towards(here, door, speed / 60 * ride_seconds)
            ServiceProvider.objects.filter(pk=provider.pk).update(last_lat=there[0], last_lng=there[1])
            if left > 0:
                self.log(f"{provider.name} 上门 → {booking.address}: 还有 {left:.0f} 米")
                return
        if not booking.arrived:
            handover.provider_arrive(provider=provider, group_id=booking.id)
            self.log(f"{provider.name} 到达 {booking.address}")
            return
        dispatch.provider_complete(provider=provider, group_id=booking.id, pickup_code=group.pickup_code)
        self.log(f"{provider.name} 服务完成 预约{booking.order_number}")

    def sweep(self) -> None:
        """What beat does in the full stack; the embedded demo has no beat."""
        resent = tasks.resend_pending()
        expired = dispatch.expire_offers()
        stuck = sum(dispatch.redispatch_stuck().values())
        if resent or expired or stuck:
            self.log(f"调度巡检: 重发 {resent}, 超时派单 {expired}, 重新调度 {stuck}")

    def accept_offers(self, courier: Courier) -> None:
        for job in selectors.courier_jobs(courier=courier):
            if job.state != "offered":
                continue
            dispatch.courier_accept(courier=courier, group_id=job.id)
            point = job.point.name if job.point else "?"
            self.log(f"{courier.name} 接单 订单{job.order_number} ({job.merchant_name}), 去 {point} 取货")

    def ride(self, courier: Courier, ride_seconds: float) -> None:
        held = [job for job in selectors.courier_jobs(courier=courier) if job.state == "held"]
        if not held:
            return
        to_collect = [job for job in held if job.status == S.COURIER_ASSIGNED and job.point is not None]
        here = positions.position_of(courier.pk)
        if to_collect:
            job = self.nearest(here, to_collect, lambda j: (j.point.lat, j.point.lng))
            target, name = (job.point.lat, job.point.lng), job.point.name
        else:
            carried = [job for job in held if job.status == S.PICKED_UP]
            with_stop = [job for job in carried if job.dropoff is not None]
            if not with_stop:  # nowhere known to go: hand over where we are
                for job in carried:
                    self.deliver(courier, job)
                return
            in_run = [job for job in with_stop if job.run]  # a run's stops in its order (delivery.runs)
            job = min(in_run, key=lambda j: (j.run.id, j.run.stop)) if in_run else \
                self.nearest(here, with_stop, lambda j: (j.dropoff.lat, j.dropoff.lng))
            target, name = (job.dropoff.lat, job.dropoff.lng), job.dropoff.label
        if here is None:  # never seen: starts from its home point, or at the first stop
            home = courier.home_point
            here = (home.lat, home.lng) if home is not None else target
        speed = travel.SPEED_M_PER_MIN.get(courier.vehicle, travel.DEFAULT_SPEED) / travel.ROAD_FACTOR
        there, left = step_towards(here, target, speed / 60 * ride_seconds)
        positions.update_position(courier=courier, lat=there[0], lng=there[1])
        if left > 0:
            self.log(f"{courier.name} 骑行 → {name}: 还有 {left:.0f} 米 ({there[0]:.5f}, {there[1]:.5f})")
            return
        self.log(f"{courier.name} 到达 {name}")
        if to_collect:
            for waiting in to_collect:  # every job waiting at this point goes in the box
                if (waiting.point.lat, waiting.point.lng) == target:
                    dispatch.courier_pickup(courier=courier, group_id=waiting.id)
                    self.log(f"{courier.name} 取货 订单{waiting.order_number} ({waiting.merchant_name})")
        else:
            for arriving in with_stop:
                if (arriving.dropoff.lat, arriving.dropoff.lng) == target:
                    self.deliver(courier, arriving)

    def deliver(self, courier: Courier, job: selectors.Job) -> None:
        group = dispatch.courier_deliver(courier=courier, group_id=job.id)
        where = job.dropoff.label if job.dropoff else ""
        if group.status == S.READY_FOR_PICKUP:
            self.log(f"{courier.name} 送达自提点 订单{job.order_number} ({where}), 等居民凭取货码取货")
        else:
            self.log(f"{courier.name} 送达 订单{job.order_number} {where}, 收货人 {job.recipient_name}")

    @staticmethod
    def nearest(here, jobs, place):
        if here is None:
            return jobs[0]
        return min(jobs, key=lambda job: (haversine_m(*here, *place(job)), job.id))

    def log(self, message: str) -> None:
        if self.verbosity >= 1:
            self.stdout.write(f"{timezone.localtime():%H:%M:%S} {message}")
