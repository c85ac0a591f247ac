"""Opening a shop: apply with the licence, an operator approves (the shop is listed and the
applicant is its owner) or refuses with a reason; the owner manages staff."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from communities.tests.factories import StandardAddressFactory, UserFactory
from merchants.models import MerchantApplication, Partner, StaffRole
from merchants.tests.portal_helpers import shop_with_staff


def photo(kind="PNG") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, kind)
    return SimpleUploadedFile("licence.png", buffer.getvalue(), content_type="image/png")


def application_body(address, **overrides):
    body = {"name": "阿芳生鲜", "format": "fresh_grocery", "address_code": address.code, "phone": "025-86001234",
            "licence_number": "91320100MA1XYZ1234", "licence_photo": photo(), "is_chain": "0", "floor_area_m2": "60"}
    body.update(overrides)
    return body


@pytest.fixture
def operator():
    return UserFactory(mobile="13500000009", is_staff=True)


@pytest.mark.django_db
def test_a_shop_applies_and_an_operator_approves_it(client, operator):
    from merchants.models import BusinessFormat

    fmt = BusinessFormat.objects.order_by("code").first()
    applicant, address = UserFactory(mobile="13500000001"), StandardAddressFactory()
    client.force_login(applicant)
    response = client.post(reverse("merchant-portal:apply"), application_body(address, format=fmt.code))
    assert response.status_code == 302, response.content.decode()[:2000]
    application = MerchantApplication.objects.get(applicant=applicant)
    assert application.status == "pending" and not Partner.objects.filter(name="阿芳生鲜").exists()
    # the applicant may see her licence, another resident may not
    assert client.get(reverse("merchant-portal:application-licence", kwargs={"pk": application.pk})).status_code == 200
    client.force_login(UserFactory())
    assert client.get(reverse("merchant-portal:application-licence", kwargs={"pk": application.pk})).status_code == 404
    # when the operator approves
    client.force_login(operator)
    assert "阿芳生鲜" in client.get(reverse("merchant-portal:applications")).content.decode()
    client.post(reverse("merchant-portal:application", kwargs={"pk": application.pk}), {"decision": "approve"})
    # then the shop exists at the address, listed, and the applicant owns it
    shop = Partner.objects.get(name="阿芳生鲜")
    assert (shop.lat, shop.lng, shop.community_id) == (address.lat, address.lng, address.community_id)
    assert shop.is_active and shop.floor_area_m2 == 60 and shop.format_id == fmt.code
    assert StaffRole.objects.get(partner=shop, user=applicant).role == "owner"
    client.force_login(applicant)
    assert client.get(reverse("merchant-portal:home")).status_code == 200


@pytest.mark.django_db
def test_a_refusal_needs_a_reason_and_a_review_happens_once(client, operator):
    applicant, address = UserFactory(), StandardAddressFactory()
    client.force_login(applicant)
    client.post(reverse("merchant-portal:apply"), application_body(address))
    application = MerchantApplication.objects.get()
    client.force_login(operator)
    url = reverse("merchant-portal:application", kwargs={"pk": application.pk})
    assert "原因" in client.post(url, {"decision": "refuse", "reason": ""}).content.decode()
    assert MerchantApplication.objects.get().status == "pending"
    client.post(url, {"decision": "refuse", "reason": "执照照片不清晰"})
    client.post(url, {"decision": "approve"})
    assert MerchantApplication.objects.get().status == "refused" and not Partner.objects.filter(name="阿芳生鲜").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("bad", [
    {"address_code": "NO-SUCH-CODE"}, {"licence_photo": SimpleUploadedFile("x.png", b"<script>", "image/png")},
    {"floor_area_m2": "0"}, {"licence_number": "12"}, {"format": "no_such"}, {"name": ""},
])
def test_a_bad_application_is_refused_with_a_message(client, bad):
    address = StandardAddressFactory()
    client.force_login(UserFactory())
    response = client.post(reverse("merchant-portal:apply"), application_body(address, **bad))
    assert response.status_code == 200 and 'class="text-danger"' in response.content.decode()
    assert not MerchantApplication.objects.exists()


@pytest.mark.django_db
def test_operators_pages_are_refused_to_shops_and_residents(client):
    _shop, owner, _clerk = shop_with_staff()
    client.force_login(owner)
    assert client.get(reverse("merchant-portal:applications")).status_code == 404


@pytest.mark.django_db
def test_the_owner_adds_a_clerk_by_mobile_and_removes_her_but_not_the_last_owner(client):
    shop, owner, clerk = shop_with_staff()
    newcomer = UserFactory(mobile="13512345678")
    client.force_login(owner)
    client.post(reverse("merchant-portal:staff"), {"mobile": "13512345678", "role": "clerk"})
    assert shop.users.filter(pk=newcomer.pk).exists()
    assert StaffRole.objects.get(partner=shop, user=newcomer).role == "clerk"
    assert "没有这个手机号" in client.post(reverse("merchant-portal:staff"),
                                        {"mobile": "13599999999", "role": "clerk"}).content.decode()
    client.post(reverse("merchant-portal:staff-remove", kwargs={"user_pk": newcomer.pk}))
    assert not shop.users.filter(pk=newcomer.pk).exists()
    client.post(reverse("merchant-portal:staff-remove", kwargs={"user_pk": owner.pk}))
    assert shop.users.filter(pk=owner.pk).exists()
    # a clerk cannot open the staff page
    client.force_login(clerk)
    assert client.get(reverse("merchant-portal:staff")).status_code == 403
