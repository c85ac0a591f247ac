from datetime import timedelta

import factory
from django.utils import timezone

from communities.tests.factories import BASE_LAT, BASE_LNG, CommunityFactory, UserFactory
from delivery.models import Courier, FulfilmentPoint, Slot


class FulfilmentPointFactory(factory.django.DjangoModelFactory):
    kind = FulfilmentPoint.Kind.PICKUP_STATION
    name = factory.Sequence(lambda n: f"社区自提点{n}")
    community = factory.SubFactory(CommunityFactory)
    lat = BASE_LAT
    lng = BASE_LNG
    opens = "07:00"
    closes = "22:00"

    class Meta:
        model = FulfilmentPoint


class CourierFactory(factory.django.DjangoModelFactory):
    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"骑手{n}")
    status = Courier.Status.AVAILABLE

    class Meta:
        model = Courier


class SlotFactory(factory.django.DjangoModelFactory):
    """A home-service slot tomorrow at 10:00 for one booking; pass merchant= (and product=)."""

    kind = "service"
    starts_at = factory.LazyFunction(
        lambda: (timezone.localtime() + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    )
    duration_min = 120
    capacity = 1

    class Meta:
        model = Slot
