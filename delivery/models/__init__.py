"""Fulfilment: points (stores, front warehouses 前置仓, pickup stations, lockers), couriers,
bookable slots, and the fulfilment group, the part of an order that one merchant fulfils.

An Oscar order has one FulfilmentGroup per merchant. The group carries its own status and
event history, the delivery method, the pickup code, the promise and actual times; its
FulfilmentLines point at the Oscar order lines it covers, with the weighed-goods settlement.

One module per job: points (points, their stock, hours, station operators), slots (slots and
their templates), agents (couriers, home-service providers), groups (groups, lines, events,
ratings), dispatching (jobs, decisions, offers). Every model is re-exported here, so
``delivery.models.<Name>`` and the migrations stay as they were.
"""

from .agents import Courier, ServiceProvider
from .dispatching import DeliveryRun, DispatchDecision, DispatchJob, JobOffer
from .groups import FulfilmentEvent, FulfilmentGroup, FulfilmentLine, GroupRating, new_pickup_code
from .points import FulfilmentPoint, PointHours, PointStock, StationOperator
from .slots import Slot, SlotTemplate

__all__ = [
    "Courier", "DeliveryRun", "DispatchDecision", "DispatchJob", "FulfilmentEvent", "FulfilmentGroup", "FulfilmentLine",
    "FulfilmentPoint", "GroupRating", "JobOffer", "PointHours", "PointStock", "ServiceProvider", "Slot",
    "SlotTemplate", "StationOperator", "new_pickup_code",
]
