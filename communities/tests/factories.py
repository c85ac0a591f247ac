import factory

from communities.models import Community, ResidentAddress, StandardAddress
from shop.core.geo import circle_polygon

# Near 湖南路, 鼓楼区, 南京
BASE_LAT, BASE_LNG = 32.0668, 118.7784


class UserFactory(factory.django.DjangoModelFactory):
    mobile = factory.Sequence(lambda n: f"139{n:08d}")
    last_name = "王"
    first_name = factory.Sequence(lambda n: f"居民{n}")
    password = factory.PostGenerationMethodCall("set_password", "demo-pass-123")

    class Meta:
        model = "accounts.User"
        django_get_or_create = ["mobile"]
        skip_postgeneration_save = True

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


class CommunityFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"测试社区{n}")
    slug = factory.Sequence(lambda n: f"test-community-{n}")
    street = "湖南路街道"
    district = "鼓楼区"
    centroid_lat = BASE_LAT
    centroid_lng = BASE_LNG
    boundary = factory.LazyAttribute(lambda o: circle_polygon(o.centroid_lat, o.centroid_lng, 500))
    households = 3000
    population = 8000

    class Meta:
        model = Community


class StandardAddressFactory(factory.django.DjangoModelFactory):
    community = factory.SubFactory(CommunityFactory)
    code = factory.Sequence(lambda n: f"320106{n:010d}")
    compound = "青岛路小区"
    building = factory.Sequence(lambda n: str(n % 30 + 1))
    unit = "1"
    room = factory.Sequence(lambda n: f"{n % 6 + 1}0{n % 4 + 1}")
    lat = factory.LazyAttribute(lambda o: o.community.centroid_lat)
    lng = factory.LazyAttribute(lambda o: o.community.centroid_lng)

    class Meta:
        model = StandardAddress


class ResidentAddressFactory(factory.django.DjangoModelFactory):
    user = factory.SubFactory(UserFactory)
    standard_address = factory.SubFactory(StandardAddressFactory)
    recipient = "王先生"
    phone = factory.LazyAttribute(lambda o: o.user.mobile)

    class Meta:
        model = ResidentAddress
