"""The 15-minute service circle: how far a resident reaches in some minutes by some mode.

    radius_m = minutes × speed_m_per_min / detour_factor

Walking speeds and the detour factor come from ../shared/reference/README.md (72 m/min for
adults, 55 m/min for older residents, 1.25 network/straight-line) and can be overridden in
settings.SERVICE_CIRCLE. `delivery` is different: a merchant reaches the resident when the
resident lies inside the merchant's service area, at courier speed within the minutes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

WALK, ELDERLY, DELIVERY = "walk", "elderly", "delivery"
MAX_MINUTES = 60


def modes() -> dict[str, float]:
    """Mode → speed in metres per minute."""
    return dict(settings.SERVICE_CIRCLE["speeds_m_per_min"])


def detour_factor() -> float:
    return float(settings.SERVICE_CIRCLE["detour_factor"])


@dataclass(frozen=True)
class Circle:
    """A resolved circle: origin, mode, minutes and the parameters derived from them."""

    lat: float
    lng: float
    mode: str
    minutes: float
    speed_m_per_min: float
    detour_factor: float

    @property
    def radius_m(self) -> float:
        return self.minutes * self.speed_m_per_min / self.detour_factor

    def minutes_for(self, distance_m: float) -> float:
        """Travel minutes for a straight-line distance, by this circle's mode and detour."""
        return distance_m * self.detour_factor / self.speed_m_per_min

    def parameters(self) -> dict:
        """What every response states, so any client can check the arithmetic."""
        return {"origin": {"lat": self.lat, "lng": self.lng}, "mode": self.mode, "minutes": self.minutes,
                "speed_m_per_min": self.speed_m_per_min, "detour_factor": self.detour_factor,
                "radius_m": round(self.radius_m, 1)}


def make_circle(*, lat: float, lng: float, minutes: float = 15, mode: str = WALK) -> Circle:
    speeds = modes()
    if mode not in speeds:
        raise ValueError(f"unknown mode {mode!r}; expected one of {sorted(speeds)}")
    if not 0 < minutes <= MAX_MINUTES:
        raise ValueError(f"minutes must be above 0 and at most {MAX_MINUTES}")
    return Circle(lat=lat, lng=lng, mode=mode, minutes=minutes, speed_m_per_min=float(speeds[mode]),
                  detour_factor=detour_factor())
