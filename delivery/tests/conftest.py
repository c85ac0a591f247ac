import pytest

from delivery import positions


@pytest.fixture
def fresh_positions():
    """Positions of couriers from earlier tests must not be found (when Redis is configured)."""
    client = positions.redis_client()
    if client is not None:
        client.delete(positions.GEO_KEY)
    yield
    if client is not None:
        client.delete(positions.GEO_KEY)
