"""Twenty residents press 报名 for the last three seats at the same moment (real PostgreSQL
connections): exactly three seats and two waiting places are given, the rest refused."""

import datetime

import pytest

from cms.models import EventSignup
from cms.services import sign_up
from cms.tests.factories import NOW, community_page, event
from communities.tests.factories import UserFactory
from shop.core.errors import ConflictError
from tests.concurrency import no_search_sync, run_concurrently  # noqa: F401

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_twenty_sign_ups_for_three_seats_and_two_waiting_places(no_search_sync):  # noqa: F811
    page = event(community_page(), capacity=3, waiting_list_size=2,
                 starts_at=NOW + datetime.timedelta(days=1))
    residents = [UserFactory() for _ in range(20)]
    outcomes = run_concurrently(20, lambda i: sign_up(event_id=page.pk, user=residents[i], now=NOW))
    refused = [o for o in outcomes if isinstance(o, ConflictError)]
    assert len(refused) == 15, outcomes
    assert EventSignup.objects.filter(event=page, status="confirmed").count() == 3
    assert EventSignup.objects.filter(event=page, status="waiting").count() == 2
