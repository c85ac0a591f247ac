import pytest

from delivery import positions
from shop.core.redis import redis_client


@pytest.fixture
def fresh_positions():
    """Positions of couriers from earlier tests must not be found (when Redis is configured)."""
    client = redis_client()
    if client is not None:
        client.delete(positions.GEO_KEY)
    yield
    if client is not None:
        client.delete(positions.GEO_KEY)
