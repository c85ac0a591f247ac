"""Smoke tests of the real services: each one answers and does what only it can do. No mocks.

Locally a test skips when its service is absent; under CI=true it fails (tests/services.py).
"""

import uuid

import pytest

from communities.models import Community
from communities.tests.factories import CommunityFactory
from shop.core.tasks import ping

# 湖南路, 鼓楼区, 南京 and two points around it
HUNAN_ROAD = (118.7784, 32.0668)  # (lng, lat)
NEAR = (118.7800, 32.0680)  # ~200 m away
FAR = (118.8200, 32.0400)  # ~5 km away


def test_postgresql_answers_and_supports_jsonb_containment(postgres):
    # given the real PostgreSQL
    assert postgres.vendor == "postgresql"
    with postgres.cursor() as cursor:
        cursor.execute("SELECT version(), current_setting('server_version_num')::int")
        version, version_num = cursor.fetchone()
    assert version.startswith("PostgreSQL ")
    assert version_num >= 150000
    # and two communities whose boundaries are GeoJSON documents in a JSONB column
    polygon = CommunityFactory()
    point = CommunityFactory(boundary={"type": "Point", "coordinates": list(HUNAN_ROAD)})

    # when we filter with JSONB containment (@>, which SQLite cannot do) and key existence (?)
    polygons = Community.objects.filter(boundary__contains={"type": "Polygon"})
    with_coordinates = Community.objects.filter(boundary__has_key="coordinates")

    # then PostgreSQL answers through the ORM
    assert list(polygons) == [polygon]
    assert set(with_coordinates) == {polygon, point}
    assert "@>" in str(polygons.query)


def test_redis_geo_round_trip(redis_client):
    # given couriers' live positions in a Redis GEO set
    key = f"test:smoke:couriers:{uuid.uuid4().hex}"
    try:
        redis_client.geoadd(key, [*NEAR, "courier-near", *FAR, "courier-far"])

        # when we search 1 km around 湖南路
        found = redis_client.geosearch(
            key, longitude=HUNAN_ROAD[0], latitude=HUNAN_ROAD[1], radius=1, unit="km",
            withdist=True, sort="ASC",
        )

        # then only the near courier is found, about 200 m away
        assert [name for name, _distance in found] == ["courier-near"]
        assert 100 < found[0][1] * 1000 < 300
    finally:
        redis_client.delete(key)


def test_elasticsearch_is_8_19_and_does_geo_distance(es_client, settings):
    # given the real Elasticsearch
    health = es_client.cluster.health()
    assert health["status"] in ("green", "yellow")
    nodes = es_client.nodes.info(node_id="_local", metric="_none")["nodes"]
    assert [node["version"] for node in nodes.values()][0].startswith("8.19.")

    # and an index (with our test prefix) holding two geo points
    index = f"{settings.SEARCH_INDEX_PREFIX}-smoke-{uuid.uuid4().hex[:8]}"
    es_client.indices.create(
        index=index,
        mappings={"properties": {"name": {"type": "text"}, "location": {"type": "geo_point"}}},
        settings={"number_of_shards": 1, "number_of_replicas": 0},
    )
    try:
        es_client.index(index=index, id="near", document={"name": "近的便利店", "location": list(NEAR)})
        es_client.index(index=index, id="far", document={"name": "远的便利店", "location": list(FAR)})
        es_client.indices.refresh(index=index)

        # when we ask for what lies within 1 km of 湖南路
        response = es_client.search(
            index=index,
            query={"geo_distance": {"distance": "1km", "location": list(HUNAN_ROAD)}},
        )

        # then only the near shop comes back
        assert [hit["_id"] for hit in response["hits"]["hits"]] == ["near"]
    finally:
        es_client.indices.delete(index=index, ignore_unavailable=True)


def test_celery_task_round_trip_through_a_real_worker(live_celery_worker):
    # given a real worker process consuming the default queue from the real Redis
    assert "default" in live_celery_worker.queues

    # when we send the ping task and wait for its result
    result = ping.apply_async(args=["你好"])
    answer = result.get(timeout=30)

    # then the worker process (not this one) ran it and the result came back through Redis
    assert answer["payload"] == "你好"
    assert answer["pid"] == live_celery_worker.pid
    assert result.successful()


@pytest.mark.celery
def test_the_celery_marker_pulls_in_the_worker(request):
    # given a test that only carries the marker, then the worker is running for it
    worker = request.getfixturevalue("live_celery_worker")
    assert ping.delay("marker").get(timeout=30)["pid"] == worker.pid
