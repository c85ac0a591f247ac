"""Editors per community: the editor of community A creates, edits and publishes under A only,
never under B, and reaches no merchant, order or bureau page; a promotion waits for a
street-office reviewer; `make_community_editor` gives the rights."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from wagtail.models import Page
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from cms.models import CommunityPage, NoticePage, PromotionPage
from cms.tests.factories import NOW, community_page, editor_of, notice, promotion, reviewer
from communities.tests.factories import UserFactory
from merchants.tests.factories import MerchantFactory

pytestmark = pytest.mark.django_db


def notice_form(title="新通知", **extra):
    return nested_form_data({
        "title": title, "slug": extra.pop("slug", "new-notice"), "category": "safety", "expires_on": "",
        "body": streamfield([("text", rich_text("<p>请注意安全</p>"))]), **extra,
    })


def promotion_form(merchant, title="新优惠"):
    return nested_form_data({
        "title": title, "slug": "new-promo", "starts_at": "2026-12-01 00:00", "ends_at": "2099-12-31 00:00",
        "offers": streamfield([("merchant_card", {"merchant": merchant.pk, "note": "八折"})]),
        "body": streamfield([]),
    })


@pytest.fixture
def two():
    a, b = community_page(name="甲社区"), community_page(name="乙社区")
    return a, b, editor_of(a, mobile="13655550001")


def test_the_editor_publishes_a_notice_under_their_own_community(client, two):
    a, _b, editor = two
    client.force_login(editor)
    response = client.post(f"/cms-admin/pages/add/cms/noticepage/{a.pk}/", {**notice_form(), "action-publish": "1"})
    assert response.status_code == 302, response.content.decode()[:2000]
    page = NoticePage.objects.get(slug="new-notice")
    assert page.live and page.get_parent().pk == a.pk


def test_the_editor_of_a_cannot_create_edit_publish_or_delete_under_b(client, two):
    a, b, editor = two
    theirs = notice(b, title="乙的通知")
    client.force_login(editor)
    refused = {302, 403, 404}
    # create (the form and the post)
    assert client.get(f"/cms-admin/pages/add/cms/noticepage/{b.pk}/").status_code in refused
    assert client.get(f"/cms-admin/pages/{b.pk}/add_subpage/").status_code in refused
    client.post(f"/cms-admin/pages/add/cms/noticepage/{b.pk}/", {**notice_form(slug="sneaky"), "action-publish": "1"})
    assert not NoticePage.objects.filter(slug="sneaky").exists()
    # edit and publish
    assert client.get(f"/cms-admin/pages/{theirs.pk}/edit/").status_code in refused
    client.post(f"/cms-admin/pages/{theirs.pk}/edit/",
                {**notice_form("改掉了", slug=theirs.slug), "action-publish": "1"})
    # unpublish, delete, move, copy
    client.post(f"/cms-admin/pages/{theirs.pk}/unpublish/")
    client.post(f"/cms-admin/pages/{theirs.pk}/delete/")
    client.post(f"/cms-admin/pages/{theirs.pk}/move/{a.pk}/confirm/")
    client.post(f"/cms-admin/pages/{theirs.pk}/copy/",
                {"new_title": "抄", "new_slug": "copied", "new_parent_page": a.pk})
    theirs.refresh_from_db()
    assert theirs.title == "乙的通知" and theirs.live and theirs.get_parent().pk == b.pk
    assert not Page.objects.filter(slug="copied").exists()
    # nor the community page itself, nor the district's index
    client.post(f"/cms-admin/pages/{b.pk}/edit/", nested_form_data({"intro": rich_text("<p>改</p>"),
                                                                     "body": streamfield([]), "action-publish": "1"}))
    b.refresh_from_db()
    assert "改" not in b.intro
    assert client.get(f"/cms-admin/pages/{b.get_parent().pk}/add_subpage/").status_code in refused
    # and the admin's page listing API shows B's pages as not editable by them
    assert not theirs.permissions_for_user(editor).can_edit()
    assert a.permissions_for_user(editor).can_add_subpage()


def test_an_editor_reaches_no_merchant_order_or_operator_page(client, two):
    _a, _b, editor = two
    client.force_login(editor)
    for url in ("/dashboard/", "/dashboard/orders/", "/dashboard/merchant-orders/", "/django-admin/",
                "/dashboard/partners/", "/dashboard/catalogue/"):
        response = client.get(url)
        assert response.status_code in {302, 403, 404}, url
        if response.status_code == 302:
            assert "login" in response["Location"], url
    assert client.get("/cms-admin/").status_code == 200


def test_a_promotion_waits_for_the_street_office_reviewer(client, two):
    a, _b, editor = two
    merchant = MerchantFactory(community=a.community, name="甲便利店")
    client.force_login(editor)
    # the editor tries to publish directly: refused, the promotion is not live
    client.post(f"/cms-admin/pages/add/cms/promotionpage/{a.pk}/", {**promotion_form(merchant), "action-publish": "1"})
    promo = PromotionPage.objects.filter(slug="new-promo").first()
    assert promo is None or not promo.live
    if promo is None:  # the refusal stopped the creation: save a draft instead
        response = client.post(f"/cms-admin/pages/add/cms/promotionpage/{a.pk}/", promotion_form(merchant))
        assert response.status_code == 302
        promo = PromotionPage.objects.get(slug="new-promo")
    assert not promo.permissions_for_user(editor).can_publish()
    # the editor submits it to the 优惠审核 workflow
    response = client.post(f"/cms-admin/pages/{promo.pk}/edit/",
                           {**promotion_form(merchant), "action-submit": "1"})
    assert response.status_code == 302
    promo.refresh_from_db()
    state = promo.current_workflow_state
    assert state is not None and state.workflow.name == "优惠审核" and not promo.live
    # the reviewer approves it: now it is live
    task_state = state.current_task_state
    client.force_login(reviewer())
    response = client.post(f"/cms-admin/pages/workflow/action/{promo.pk}/approve/{task_state.pk}/", {"comment": ""})
    assert response.status_code in {200, 302}
    promo.refresh_from_db()
    assert promo.live


def test_notices_and_events_need_no_review(two):
    a, _b, _editor = two
    assert NoticePage().get_workflow() is None or NoticePage(title="x").get_workflow().name != "优惠审核"
    assert PromotionPage().get_workflow().name == "优惠审核"


def test_make_community_editor_command(capsys):
    a, b = community_page(name="丙社区", slug="bing"), community_page(name="丁社区", slug="ding")
    user = UserFactory(mobile="13655550009")
    call_command("make_community_editor", "13655550009", "bing", "丁社区")
    assert a.permissions_for_user(user).can_publish() and b.permissions_for_user(user).can_publish()
    assert not community_page().permissions_for_user(user).can_edit()
    with pytest.raises(CommandError):
        call_command("make_community_editor", "13655550009", "no-such-community")
    with pytest.raises(CommandError):
        call_command("make_community_editor", "10000000000", "bing")


def test_scheduled_notices_go_live_and_expire_by_the_beat_task(two):
    from django.utils import timezone

    from cms.tasks import publish_scheduled

    a, _b, _editor = two
    page = NoticePage(title="定时通知", slug="scheduled", body=[])
    page.live = False
    page.go_live_at = timezone.now() - datetime.timedelta(minutes=1)
    a.add_child(instance=page)
    page.save_revision(approved_go_live_at=page.go_live_at)
    publish_scheduled()
    page.refresh_from_db()
    assert page.live
    page.expire_at = timezone.now() - datetime.timedelta(seconds=1)
    page.save()
    publish_scheduled()
    page.refresh_from_db()
    assert not page.live and page.expired


def test_promotion_nothing_live_for_the_unreviewed(two):
    a, _b, _editor = two
    promo = promotion(a, merchant=MerchantFactory(community=a.community), live=False)
    assert not PromotionPage.objects.live().filter(pk=promo.pk).exists()
    assert CommunityPage.objects.filter(pk=a.pk).exists()
    assert NOW
