from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from communities.tests.factories import BASE_LAT, BASE_LNG, CommunityFactory, UserFactory
from delivery.models import Courier, FulfilmentPoint, PointStock, Slot


class FulfilmentPointFactory(factory.django.DjangoModelFactory):
    kind = FulfilmentPoint.Kind.PICKUP_STATION
    name = factory.Sequence(lambda n: f"社区自提点{n}")
    community = factory.SubFactory(CommunityFactory)
    lat = BASE_LAT
    lng = BASE_LNG
    opens = "07:00"
    closes = "22:00"

    class Meta:
        model = FulfilmentPoint


class PointStockFactory(factory.django.DjangoModelFactory):
    """Units of a listing held at a point: pass point= and listing=."""

    num_in_stock = 10

    class Meta:
        model = PointStock


class CourierFactory(factory.django.DjangoModelFactory):
    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"骑手{n}")
    status = Courier.Status.AVAILABLE

    class Meta:
        model = Courier


class SlotFactory(factory.django.DjangoModelFactory):
    """A home-service slot tomorrow at 10:00 for one booking; pass merchant= (and product=)."""

    kind = "service"
    starts_at = factory.LazyFunction(
        lambda: (timezone.localtime() + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    )
    duration_min = 120
    capacity = 1

    class Meta:
        model = Slot


def shipping_address(*, recipient: str = "王先生", phone: str = "+8613800000001", line1: str = "青岛路小区 3栋1单元 302室"):
    """An Oscar shipping address in China (the country row is created on first use)."""
    from oscar.apps.address.models import Country
    from oscar.apps.order.models import ShippingAddress

    china, _ = Country.objects.get_or_create(
        iso_3166_1_a2="CN", defaults={"iso_3166_1_a3": "CHN", "iso_3166_1_numeric": "156", "printable_name": "中国",
                                      "name": "中华人民共和国", "is_shipping_country": True},
    )
    return ShippingAddress.objects.create(
        last_name=recipient, line1=line1, line4="南京市鼓楼区", country=china, phone_number=phone
    )


_order_numbers = iter(range(900_000, 10**9))


def order_with_groups(
    *,
    user=None,
    lines=None,
    method: str = "delivery",
    status: str = "created",
    order_status: str = "placed",
    address=None,
):
    """An Oscar order with one FulfilmentGroup (and its FulfilmentLines) per merchant.

    `lines` is a list of `(listing, quantity)` or `(listing, quantity, slot)`; the groups follow
    the listings' merchants, in the order they first appear. Default: two merchants with one
    packaged line each. `method` and `status` are a value for every group or a dict by merchant.
    Goods sold by weight get an estimated weight (quantity × pack size). Returns the order; its
    groups are `order.fulfilment_groups`.
    """
    from oscar.apps.order.models import Line, Order

    from delivery.models import FulfilmentGroup, FulfilmentLine, new_pickup_code
    from merchants.tests.factories import ListingFactory

    user = user or UserFactory()
    if lines is None:
        lines = [(ListingFactory(), 1), (ListingFactory(), 2)]
    lines = [tuple(line) + (None,) * (3 - len(line)) for line in lines]
    by_merchant: dict = {}
    for listing, quantity, slot in lines:
        by_merchant.setdefault(listing.partner, []).append((listing, quantity, slot))
    goods = {m: sum((listing.price * qty for listing, qty, _ in rows), Decimal("0.00")) for m, rows in by_merchant.items()}
    total = sum(goods.values(), Decimal("0.00"))
    order = Order.objects.create(
        number=str(next(_order_numbers)), user=user, currency="CNY", total_incl_tax=total, total_excl_tax=total,
        shipping_incl_tax=Decimal("0.00"), shipping_excl_tax=Decimal("0.00"), status=order_status,
        shipping_address=address if address is not None else shipping_address(phone="+86" + str(user.mobile)),
    )
    for merchant, rows in by_merchant.items():
        group_method = method[merchant] if isinstance(method, dict) else method
        group = FulfilmentGroup.objects.create(
            order=order, merchant=merchant, method=group_method,
            status=status[merchant] if isinstance(status, dict) else status,
            # a pickup, and a home service (done with the resident's code), carry a code
            pickup_code=new_pickup_code() if group_method == FulfilmentGroup.Method.PICKUP
            or any(slot for _, _, slot in rows) else "",
            goods_total=goods[merchant],
        )
        for listing, quantity, slot in rows:
            product = listing.product
            amount = listing.price * quantity
            order_line = Line.objects.create(
                order=order, partner=merchant, partner_name=merchant.name, partner_sku=listing.partner_sku,
                stockrecord=listing, product=product, title=product.get_title(), upc=product.upc, quantity=quantity,
                line_price_incl_tax=amount, line_price_excl_tax=amount, line_price_before_discounts_incl_tax=amount,
                line_price_before_discounts_excl_tax=amount, unit_price_incl_tax=listing.price,
                unit_price_excl_tax=listing.price, num_allocated=quantity,
            )
            FulfilmentLine.objects.create(
                group=group, order_line=order_line, listing=listing, slot=slot, quantity=quantity,
                unit_price=listing.price, estimated_amount=amount,
                estimated_weight_g=quantity * product.pack_size_g if product.is_sold_by_weight else None,
            )
    return order


# --- dispatch (issue 5) ------------------------------------------------------------------------


class ServiceProviderFactory(factory.django.DjangoModelFactory):
    """A merchant's home-service provider."""

    merchant = factory.SubFactory("merchants.tests.factories.MerchantFactory")
    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"师傅{n}")

    class Meta:
        model = "delivery.ServiceProvider"


def store_point(merchant, **fields) -> FulfilmentPoint:
    """The merchant's own store as a fulfilment point at the merchant's location, open all day
    (opens == closes) so tests do not depend on the hour they run at."""
    fields = {"kind": FulfilmentPoint.Kind.STORE, "merchant": merchant, "community": merchant.community,
              "lat": merchant.lat, "lng": merchant.lng, "opens": "00:00", "closes": "00:00", **fields}
    return FulfilmentPointFactory(**fields)


def dispatchable_order(*, merchant=None, dropoff=None, method: str = "delivery", quantity: int = 1, listing=None,
                       **kwargs):
    """An order of one merchant (with a store point when it has none) whose single group is
    "created" and drops off at a standard address (default: 600 m north of the store), for
    one `listing` of the merchant (default: a new one). Returns the group."""
    from communities.tests.factories import StandardAddressFactory
    from merchants.tests.factories import ListingFactory, MerchantFactory

    merchant = merchant or (listing.partner if listing else MerchantFactory())
    if not merchant.fulfilment_points.exists():
        store_point(merchant)
    if dropoff is None:
        dropoff = StandardAddressFactory(lat=merchant.lat + 0.0054, lng=merchant.lng)
    listing = listing or ListingFactory(partner=merchant)
    order = order_with_groups(lines=[(listing, quantity)], method=method, **kwargs)
    group = order.fulfilment_groups.get()
    group.dropoff = dropoff
    group.save(update_fields=["dropoff"])
    return group


M_PER_DEG = 111_000


def north(metres: float) -> float:
    """The latitude `metres` north of the test neighbourhood's base point."""
    from communities.tests.factories import BASE_LAT

    return BASE_LAT + metres / M_PER_DEG


def courier_at(metres_north: float, **fields) -> Courier:
    """A courier whose live position is `metres_north` of the base point."""
    from communities.tests.factories import BASE_LNG
    from delivery import positions

    courier = CourierFactory(**fields)
    positions.update_position(courier=courier, lat=north(metres_north), lng=BASE_LNG)
    return courier
