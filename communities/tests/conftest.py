import pytest

from communities.tests.factories import BASE_LAT, BASE_LNG, CommunityFactory


@pytest.fixture
def home():
    """A community centred on the origin, with a boundary of ~500 m."""
    return CommunityFactory(name="山西路社区", street="湖南路街道", centroid_lat=BASE_LAT, centroid_lng=BASE_LNG)
