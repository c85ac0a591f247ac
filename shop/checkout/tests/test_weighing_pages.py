"""The pages of the weighing settlement (issue 11): the merchant's 称重结算 page (weigh each
weighed line, see the difference up to the cap, settle it) and the resident's 补差价 page
(confirm the supplementary charge, pay in the sandbox). Bad input: a clear message, nothing written."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from communities.tests.factories import UserFactory
from delivery.models import FulfilmentEvent
from shop.checkout import payment as gateway
from shop.checkout.models import ExtraCharge, Payment, Refund
from shop.checkout.services import place_order

from .scene import make_scene

pytestmark = pytest.mark.django_db


def greens_order(payment="sandbox"):
    """1,000 g of greens (estimate ¥6.00, the stall's cap 10 %: at most ¥0.60 more), delivered."""
    scene = make_scene()
    order = place_order(user=scene.resident, basket=scene.fill(greens_g=1000, medicine=0, cleaning=0),
                        address_id=scene.address.pk, groups=scene.choices()[:1], payment=payment)
    if payment == "sandbox":
        assert gateway.handle_notification(gateway.signed_notification(order.payment)) == "accepted"
    staff = UserFactory()
    staff.user_permissions.add(Permission.objects.get(codename="dashboard_access", content_type__app_label="partner"))
    scene.greens.partner.users.add(staff)
    group = order.fulfilment_groups.get()
    return scene, order, group, staff


def texts(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def written(group):
    """What a refused step must leave as it was."""
    line = group.lines.get()
    group.refresh_from_db()
    return (line.actual_weight_g, line.final_amount, group.weight_adjustment,
            FulfilmentEvent.objects.filter(group=group).count(), Refund.objects.count(), ExtraCharge.objects.count())


def test_the_merchant_weighs_heavier_sees_the_capped_charge_settles_and_cannot_reweigh(client):
    scene, order, group, staff = greens_order()
    client.force_login(staff)
    url = f"/dashboard/merchant-orders/{group.pk}/weighing/"
    line = group.lines.get()
    # the page names the line, its estimate and the most it may cost extra
    page = client.get(url).content.decode()
    assert "青菜" in page and "预估 1000 克" in page and "最多补收" in page and "¥0.60" in page
    # when 1,500 g is weighed (¥9.00 at the real weight): capped at ¥6.60
    response = client.post(url, {f"weight_{line.pk}": 1500}, follow=True)
    assert "已记录实际重量" in texts(response)
    page = response.content.decode()
    assert "已按上限封顶" in page and "应向顾客补收" in page and "结算差价" in page
    # when the merchant settles, then the resident is asked for ¥0.60 (pending)
    response = client.post(f"/dashboard/merchant-orders/{group.pk}/settle/", follow=True)
    assert "已请顾客补差价 ¥0.60" in texts(response)
    charge = ExtraCharge.objects.get(group=group)
    assert (charge.amount, charge.status) == (Decimal("0.60"), "pending")
    assert "重量不能再改" in response.content.decode()
    # and a second weighing is refused with a clear message, nothing written (the settle is final)
    before = written(group)
    response = client.post(url, {f"weight_{line.pk}": 1200}, follow=True)
    assert "称重差价已结算" in texts(response)
    assert written(group) == before
    # a second settle writes nothing either
    client.post(f"/dashboard/merchant-orders/{group.pk}/settle/")
    assert written(group) == before


def test_a_lighter_weighing_is_settled_as_a_refund_due(client):
    scene, order, group, staff = greens_order()
    client.force_login(staff)
    client.post(f"/dashboard/merchant-orders/{group.pk}/weighing/", {f"weight_{group.lines.get().pk}": 900})
    response = client.post(f"/dashboard/merchant-orders/{group.pk}/settle/", follow=True)
    assert "已结算: 退还顾客 ¥0.60" in texts(response)
    refund = Refund.objects.get(group=group)
    assert (refund.reason, refund.amount, refund.status) == ("weight_lighter", Decimal("0.60"), "due")


def test_cash_on_delivery_needs_no_settling_and_may_be_weighed_again(client):
    scene, order, group, staff = greens_order(payment="cod")
    client.force_login(staff)
    url = f"/dashboard/merchant-orders/{group.pk}/weighing/"
    line = group.lines.get()
    client.post(url, {f"weight_{line.pk}": 1500})
    page = client.get(url).content.decode()
    assert "货到付款: 骑手或柜台按称重后的金额收款 ¥8.60" in page and "结算差价</button>" not in page
    response = client.post(f"/dashboard/merchant-orders/{group.pk}/settle/", follow=True)
    assert "无需在此结算" in texts(response) and not ExtraCharge.objects.exists()
    client.post(url, {f"weight_{line.pk}": 1100})  # nothing was settled: the weight may change
    assert group.lines.get().actual_weight_g == 1100


@pytest.mark.parametrize("grams", ["0", "-5", "abc", "", "99999999"])
def test_bad_weights_are_refused_with_a_message_and_nothing_written(client, grams):
    scene, order, group, staff = greens_order()
    client.force_login(staff)
    before = written(group)
    response = client.post(f"/dashboard/merchant-orders/{group.pk}/weighing/",
                           {f"weight_{group.lines.get().pk}": grams}, follow=True)
    assert response.status_code == 200 and texts(response)
    assert written(group) == before


def test_settling_before_weighing_is_refused_and_another_shop_gets_404(client):
    scene, order, group, staff = greens_order()
    client.force_login(staff)
    before = written(group)
    response = client.post(f"/dashboard/merchant-orders/{group.pk}/settle/", follow=True)
    assert "还没有称重, 不能结算差价" in texts(response)
    assert "请先称好每件称重商品" in response.content.decode()
    assert written(group) == before
    other = UserFactory()
    other.user_permissions.add(Permission.objects.get(codename="dashboard_access", content_type__app_label="partner"))
    scene.medicine.partner.users.add(other)
    client.force_login(other)
    assert client.get(f"/dashboard/merchant-orders/{group.pk}/weighing/").status_code == 404
    assert client.post(f"/dashboard/merchant-orders/{group.pk}/settle/").status_code == 404
    assert written(group) == before


def test_the_resident_confirms_the_supplementary_charge_on_the_order_page(client):
    scene, order, group, staff = greens_order()
    client.force_login(staff)
    client.post(f"/dashboard/merchant-orders/{group.pk}/weighing/", {f"weight_{group.lines.get().pk}": 1500})
    client.post(f"/dashboard/merchant-orders/{group.pk}/settle/")
    charge = ExtraCharge.objects.get(group=group)
    # someone else cannot see or pay it
    client.force_login(UserFactory())
    assert client.get(f"/checkout/extra/{charge.trade_no}/").status_code == 404
    assert client.post(f"/checkout/extra/{charge.trade_no}/").status_code == 404
    # the resident's order page asks for it; the pay page says why and how much
    client.force_login(scene.resident)
    page = client.get(f"/accounts/orders/{order.number}/").content.decode()
    assert "需补差价 ¥0.60" in page and f"/checkout/extra/{charge.trade_no}/" in page
    page = client.get(f"/checkout/extra/{charge.trade_no}/").content.decode()
    assert "菜场青菜摊 称重后" in page and "确认支付 ¥0.60" in page
    # when she confirms, then it is paid once, and the order page no longer asks
    response = client.post(f"/checkout/extra/{charge.trade_no}/", follow=True)
    assert "补差价 ¥0.60 已支付" in texts(response)
    charge.refresh_from_db()
    assert charge.status == "paid" and charge.paid_at is not None
    assert "需补差价" not in response.content.decode()
    response = client.post(f"/checkout/extra/{charge.trade_no}/", follow=True)
    assert "不需要再支付" in texts(response)
    assert Payment.objects.get(order=order).status == "paid"
