import factory

from communities.tests.factories import BASE_LAT, BASE_LNG, CommunityFactory, UserFactory
from delivery.models import Courier, FulfilmentPoint


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
