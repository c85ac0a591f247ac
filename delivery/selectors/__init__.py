"""Reads about fulfilment, one module per job; every name is re-exported here, so callers use
``delivery.selectors.<name>`` as before:

    tracking   an order's tracking as its viewer may see it (who sees what: tracking.py)
    couriers   a courier's jobs, couriers with work
    counter    the handover at the counter and the station; home-service providers' bookings
    hours      one set of hours for a fulfilment point
    figures    plain rows for the commerce bureau's figures
"""

from .counter import (  # noqa: F401
    Booking,
    collected_today,
    operated_stations,
    operator_may_see,
    provider_bookings,
    provider_may_see,
    provider_of,
    providers_with_work,
    staff_merchants,
    waiting_pickups,
)
from .couriers import (  # noqa: F401
    Job,
    RunStop,
    courier_jobs,
    courier_may_see,
    courier_of,
    couriers_with_work,
    job_destination,
    mask_phone,
    recipient_name,
)
from .figures import (  # noqa: F401
    groups_for_figures,
    ratings_for_figures,
)
from .hours import (  # noqa: F401
    point_closed_reason,
    point_is_open,
)
from .tracking import (  # noqa: F401
    CourierOnMap,
    Dropoff,
    Event,
    GroupTracking,
    OrderTracking,
    Place,
    S,
    Step,
    _groups_query,
    courier_position,
    dropoff_of,
    estimated_arrival,
    group_tracking,
    is_service_group,
    order_tracking,
    place_of,
    resident_groups,
    service_steps,
    steps_of,
)
