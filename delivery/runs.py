"""Runs: jobs leaving one point for nearby drop-offs, ridden by one courier (issue 16's stretch).

When a batch (delivery.jobs.Batch) routes several groups that leave the same point, those whose
drop-offs lie close together may be offered to one courier as one run: the courier collects
them all at the point, then rides the drop-offs in order. The rule, in the one travel model
(``delivery.travel.travel_minutes``: the straight line × 1.3 at e-bike speed), counted from
the point (the courier's ride to the point is one ride for a run and one per job apart: it
would only add to the saving, so it is left out):

    separate = Σ ride(point → drop-off)                      every job its own courier
    together = ride(point → first drop-off) + Σ ride(drop-off → next drop-off)
               in the order of the shortest ride that keeps every promise (all orders are tried)
    one run when together < separate (the saving, separate − together, is > 0) and every job
    of the run reaches its drop-off by its promise (``promised_at``, or the promise rule),
    the run leaving when its goods may leave (``routing.leaves_at``).

Who may ride together: groups routed in this batch that go to a drop-off (the resident's door or
a pickup station), leave the same point in the same minute (now, or the same delivery window's
start) and are served by the same couriers (the merchant's own or the platform's); a drop-off at most ``NEAR_MINUTES`` from the run's first job's; at most
``MAX_STOPS`` jobs a run. Groups are taken in pk order: the first free one starts a run, and
each next one joins when the run with it is shorter still and every promise holds.

Every group that shared its point with another in the batch carries the decision on its
DispatchDecision (``chain``): chained with which jobs and the minutes, or why not (too far
apart, no shorter, a promise broken, no courier with room for the whole run). The run itself
is a DeliveryRun row; its offers (one per job, as for single jobs) point at it, and accepting
or declining one answers for the whole run (delivery.offers).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from merchants.models import Partner

from . import travel
from .jobs import service_slot
from .models import DeliveryRun, FulfilmentGroup
from .routing import leaves_at, promise_of

NEAR_MINUTES = 5.0  # drop-offs at most this far from the run's first (≈ 1 km by e-bike)
MAX_STOPS = 3  # jobs in one run


@dataclass
class Leg:
    """A job that may ride in a run: its group, where it goes, when it may leave, its promise."""

    group: FulfilmentGroup
    point_id: int
    origin: tuple[float, float]
    drop: tuple[float, float]
    leaves: datetime
    promise: datetime

    @property
    def pk(self) -> int:
        return self.group.pk


@dataclass
class Run:
    """Legs in riding order, with the minutes: separate, together, each drop-off's arrival from
    the point, and how late each promise would be (minutes, > 0 = broken)."""

    legs: list[Leg]
    separate: float
    together: float
    arrive: list[float]
    late: dict[int, float] = field(default_factory=dict)
    courier_id: int | None = None
    row: DeliveryRun | None = None

    @property
    def saving(self) -> float:
        return self.separate - self.together

    @property
    def ids(self) -> list[int]:
        return [leg.pk for leg in self.legs]

    def note(self, group_id: int) -> dict:
        others = [pk for pk in self.ids if pk != group_id]
        return {"chained": True, "with": others, "order": self.ids, "separate_min": round(self.separate, 1),
                "together_min": round(self.together, 1), "saving_min": round(self.saving, 1),
                "reason": f"与 {_names(others)} 一趟配送: 分开 {self.separate:.1f} 分钟, 一趟 {self.together:.1f} 分钟, "
                          f"省 {self.saving:.1f} 分钟"}

    def as_row(self, now: datetime) -> DeliveryRun:
        if self.row is None:
            self.row = DeliveryRun(point_id=self.legs[0].point_id, created_at=now,
                                   stops=[{"group": leg.pk, "minutes": round(minutes, 1)}
                                          for leg, minutes in zip(self.legs, self.arrive, strict=True)],
                                   separate_min=round(self.separate, 1), together_min=round(self.together, 1))
        return self.row


def _names(ids: list[int]) -> str:
    return "、".join(f"#{pk}" for pk in ids)


def _ride(a: tuple[float, float], b: tuple[float, float]) -> float:
    return travel.travel_minutes(*a, *b)


def evaluate(legs: list[Leg]) -> Run:
    """The best order of these legs: the shortest ride keeping every promise, else the shortest."""
    separate = sum(_ride(leg.origin, leg.drop) for leg in legs)
    departs = max(leg.leaves for leg in legs)
    best = None
    for order in itertools.permutations(legs):
        here, clock, arrive = order[0].origin, 0.0, []
        for leg in order:
            clock += _ride(here, leg.drop)
            here = leg.drop
            arrive.append(clock)
        late = {leg.pk: lateness for leg, minutes in zip(order, arrive, strict=True)
                if (lateness := (departs - leg.promise).total_seconds() / 60 + minutes) > 0}
        run = Run(list(order), separate, clock, arrive, late)
        if best is None or (bool(run.late), run.together) < (bool(best.late), best.together):
            best = run
    return best


def why_not(run: Run, other: Leg, near: float, *, subject: int) -> dict:
    """The record of a job that did not join `run` (subject: `other`), or of the run's first
    when it stays alone (subject: the run's first; then "with" names `other`)."""
    trial = evaluate([*run.legs, other])
    peers = [pk for pk in trial.ids if pk != subject] if subject == other.pk else [other.pk]
    if near > NEAR_MINUTES:
        reason = f"单独派送: 与 {_names(peers)} 的送达点相距 {near:.1f} 分钟 (超过 {NEAR_MINUTES:g} 分钟)"
    elif trial.late:
        pk, minutes = max(trial.late.items(), key=lambda item: item[1])
        reason = f"单独派送: 与 {_names(peers)} 一趟时 #{pk} 晚于承诺 {minutes:.1f} 分钟"
    else:
        reason = f"单独派送: 与 {_names(peers)} 一趟不更省时 (多省 {trial.saving - run.saving:.1f} 分钟)"
    return {"chained": False, "with": peers, "separate_min": round(trial.separate, 1),
            "together_min": round(trial.together, 1), "saving_min": round(trial.saving, 1), "reason": reason}


def legs_of(wanted, points: dict, now: datetime) -> list[Leg]:
    """The jobs of a batch's offers (delivery.offers._wanted: group, origin, first offer) that
    may ride in a run: routed in this batch (`points`: routing's plan, group id → (point, ...))
    and going to a drop-off."""
    legs = []
    for group, origin, first in wanted:
        drop = travel.destination_of(group)
        if not first or origin is None or drop is None:
            continue
        slot = service_slot(group)
        legs.append(Leg(group, points[group.pk][0].pk, origin, drop, leaves_at(group, slot, now),
                        promise_of(group, slot, now)))
    return legs


def _pool(group: FulfilmentGroup) -> int | None:
    """Whose couriers carry it: the merchant's own (it delivers itself) or the platform's (None)."""
    return group.merchant_id if group.merchant_delivery == Partner.Delivery.OWN else None


def plan_runs(legs: list[Leg]) -> tuple[list[Run], dict[int, dict]]:
    """The runs among these jobs, and the decision for every job that shared its point with
    another (group id → the DispatchDecision's ``chain``)."""
    together = defaultdict(list)
    for leg in sorted(legs, key=lambda leg: leg.pk):
        together[(leg.point_id, _pool(leg.group), leg.leaves.replace(second=0, microsecond=0))].append(leg)
    runs, notes = [], {}
    for left in together.values():
        while left:
            seed = left.pop(0)
            run, first_miss = evaluate([seed]), None
            for other in list(left):
                if len(run.legs) == MAX_STOPS:
                    break
                near = _ride(seed.drop, other.drop)
                trial = evaluate([*run.legs, other]) if near <= NEAR_MINUTES else None
                if trial is not None and not trial.late and trial.saving > run.saving:
                    run = trial
                    left.remove(other)
                    continue
                if other.pk not in notes:  # its first look is the one recorded (or its own run's)
                    notes[other.pk] = why_not(run, other, near, subject=other.pk)
                if first_miss is None and len(run.legs) == 1:
                    first_miss = why_not(run, other, near, subject=seed.pk)
            if len(run.legs) > 1:
                runs.append(run)
                notes.update({pk: run.note(pk) for pk in run.ids})
            elif first_miss is not None:
                notes[seed.pk] = first_miss
    return runs, notes


def split(run: Run, notes: dict[int, dict], reason: str) -> None:
    """No courier takes the whole run: its jobs are offered one by one, and say why."""
    for pk in run.ids:
        notes[pk] = {**notes.get(pk, {}), "chained": False, "reason": reason}
