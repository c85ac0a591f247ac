"""One Redis round trip finds the couriers near every point of a dispatch batch
(delivery.positions.nearest_couriers_around), with the same answer as searching place by place."""

import pytest

from communities.tests.factories import BASE_LAT, BASE_LNG
from delivery import positions
from delivery.tests.factories import CourierFactory
from shop.core.redis import redis_client


@pytest.mark.redis
@pytest.mark.django_db
def test_couriers_near_several_points_in_one_search_match_one_search_each(fresh_positions):
    # given couriers around two points 2 km apart (and one far from both)
    north, south = (BASE_LAT + 0.009, BASE_LNG), (BASE_LAT - 0.009, BASE_LNG)
    for lat, lng in [north, north, south, (BASE_LAT + 0.2, BASE_LNG)]:
        courier = CourierFactory()
        positions.update_position(courier=courier, lat=lat + 0.0005, lng=lng)

    # when both points (one asked twice) are searched at once
    found = positions.nearest_couriers_around([north, south, north], radius_m=1_500, count=30)

    # then each point has its own couriers, nearest first, as a search of its own finds them
    assert list(found) == [north, south]
    for origin in (north, south):
        assert found[origin] == positions.nearest_couriers(*origin, radius_m=1_500, count=30)
    assert len(found[north]) == 2 and len(found[south]) == 1


@pytest.mark.redis
@pytest.mark.django_db
def test_a_flushed_redis_is_filled_again_from_the_rows(fresh_positions):
    # given couriers whose positions are only on their rows (Redis was flushed)
    here = (BASE_LAT, BASE_LNG)
    for _ in range(2):
        CourierFactory(last_lat=BASE_LAT + 0.001, last_lng=BASE_LNG)
    redis_client().delete(positions.GEO_KEY)

    # when two points are searched at once
    found = positions.nearest_couriers_around([here, (BASE_LAT + 0.002, BASE_LNG)], radius_m=1_000, count=30)

    # then the search falls back place by place, which rebuilds the set: both couriers found
    assert len(found[here]) == 2
    assert redis_client().exists(positions.GEO_KEY)
