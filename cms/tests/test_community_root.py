import pytest
from wagtail.models import Page, Site

from cms.models import CommunityIndexPage
from communities.tests.factories import CommunityFactory
from merchants.tests.factories import MerchantFactory

pytestmark = pytest.mark.django_db


def test_the_community_index_replaced_wagtails_welcome_page_as_site_root():
    site = Site.objects.get(is_default_site=True)
    assert isinstance(site.root_page.specific, CommunityIndexPage)
    assert not Page.objects.filter(slug="home", depth=2).exists()


def test_community_root_lists_every_community_with_its_merchant_count(client):
    # given two communities, one of them national demonstration with 2 merchants
    national = CommunityFactory(name="琅琊路社区", demonstration_status="national", pilot_year=2023)
    CommunityFactory(name="山西路社区")
    MerchantFactory.create_batch(2, community=national)
    # when a resident opens /community/
    response = client.get("/community/")
    # then both are listed, in Chinese, with the demonstration badge
    html = response.content.decode()
    assert response.status_code == 200
    assert "琅琊路社区" in html and "山西路社区" in html
    assert "国家级示范 2023" in html


def test_community_root_has_an_empty_state(client):
    response = client.get("/community/")
    assert "load_demo" in response.content.decode()
