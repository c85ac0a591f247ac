"""Helpers for tests that race real database connections against each other (PostgreSQL)."""

import threading

import pytest
from django.db import connection


@pytest.fixture
def no_search_sync(settings):
    """No outbox tasks to the session's live worker: it would touch these rows while the test's
    teardown truncates the tables (a deadlock in the flush, not in the code under test)."""
    settings.ELASTICSEARCH_URL = ""


def run_concurrently(count: int, work) -> list:
    """Start `count` threads at once (each with its own database connection); return their outcomes."""
    barrier = threading.Barrier(count)
    outcomes: list = [None] * count

    def worker(index):
        try:
            barrier.wait()
            outcomes[index] = work(index)
        except Exception as exc:  # the outcome of this attempt, asserted by the test
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes
