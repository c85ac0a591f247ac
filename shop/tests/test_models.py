import pytest
from django.db import IntegrityError

from communities.tests.factories import UserFactory
from merchants.models import BusinessFormat

pytestmark = pytest.mark.django_db


def test_the_26_reference_formats_are_loaded_by_migration():
    # given the migrated database, when we count formats by tier, then they match the guide
    assert BusinessFormat.objects.count() == 26
    assert BusinessFormat.objects.filter(tier="basic").count() == 14
    assert BusinessFormat.objects.filter(tier="quality").count() == 12
    assert BusinessFormat.objects.get(code="wet_market").name_zh == "菜市场"


def test_a_resident_signs_in_with_a_mobile_number(client):
    user = UserFactory(mobile="13912345678")
    assert client.login(username="13912345678", password="demo-pass-123")
    assert user.masked_mobile == "139****5678"


def test_mobile_numbers_are_unique():
    UserFactory(mobile="13900000001")
    from shop.accounts.models import User

    with pytest.raises(IntegrityError):
        User.objects.create_user("13900000001", "x")
