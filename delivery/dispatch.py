"""Dispatch: choose a group's fulfilment point, offer the job to the nearest courier (or, for a
home-service booking, to one of the merchant's providers), and the couriers' answers.

Flow of a group (every status change through delivery.services.transition, with an event):

    created ──route──▶ point_assigned ──offer…accept──▶ courier_assigned ─pickup▶ picked_up ─deliver▶ delivered
                                      ◀─decline/stuck─┘                                    └▶ ready_for_pickup ─collect▶ collected
    pickup at the store: point_assigned, then ready_for_pickup when the merchant has it ready
    failed (courier_fail, with the reason) and cancelled/rejected (the order layer, shop.checkout) end it

Each job has its module, and this one names the public steps for the courier API, the admin,
the tasks and the tests:

    delivery.routing    the point (assign_point)
    delivery.offers     offers to couriers and providers and their answers (route_and_offer,
                        offer_next, courier_accept/decline, provider_accept/decline)
    delivery.handover   pickup, delivery, failure, the pickup code (courier_pickup/deliver/fail,
                        collect, provider_start/complete)
    delivery.sweeps     the beat jobs (expire_offers, redispatch_stuck)
    delivery.jobs       what they share (the locked group, the courier's load, JobNotFound)
    delivery.travel     travel times, the drop-off (destination_of), the promise
The outbox (delivery.outbox) asks for dispatch; the drain beside the tasks (delivery.tasks) runs it.
"""

from .handover import collect, courier_deliver, courier_fail, courier_pickup, provider_complete, provider_start
from .jobs import ACTOR, OFFER_SECONDS, JobNotFound, OfferExpired, service_slot
from .offers import (
    courier_accept,
    courier_decline,
    offer_next,
    provider_accept,
    provider_decline,
    route_and_offer,
    route_and_offer_in_transaction,
)
from .routing import assign_point
from .sweeps import RETRY_ROUTING, STUCK_AFTER, expire_offers, redispatch_stuck

__all__ = [
    "ACTOR", "OFFER_SECONDS", "RETRY_ROUTING", "STUCK_AFTER", "JobNotFound", "OfferExpired", "assign_point", "collect",
    "courier_accept", "courier_decline", "courier_deliver", "courier_fail", "courier_pickup", "expire_offers",
    "offer_next", "provider_accept", "provider_complete", "provider_decline", "provider_start", "redispatch_stuck",
    "route_and_offer", "route_and_offer_in_transaction", "service_slot",
]
