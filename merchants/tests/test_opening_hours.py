from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from merchants.models import OpeningException
from merchants.selectors import is_open_at
from merchants.tests.factories import MerchantFactory, OpeningPeriodFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    # 2026-11-23 is a Monday (weekday 0)
    return datetime(2026, 11, 23 + day, hour, minute, tzinfo=SHANGHAI)


def test_a_breakfast_shop_is_open_only_in_the_morning():
    shop = MerchantFactory()
    OpeningPeriodFactory(partner=shop, weekday=0, opens=time(6), closes=time(10, 30))
    assert is_open_at(shop, at(0, 6))
    assert is_open_at(shop, at(0, 10, 29))
    assert not is_open_at(shop, at(0, 10, 30))
    assert not is_open_at(shop, at(1, 7))  # no period on Tuesday


def test_a_period_past_midnight_covers_the_next_morning():
    shop = MerchantFactory()
    OpeningPeriodFactory(partner=shop, weekday=4, opens=time(18), closes=time(2))  # Friday night
    assert is_open_at(shop, at(4, 23))
    assert is_open_at(shop, at(5, 1, 59))
    assert not is_open_at(shop, at(5, 2))
    assert not is_open_at(shop, at(4, 17))


def test_a_holiday_exception_closes_the_shop():
    shop = MerchantFactory()
    OpeningPeriodFactory(partner=shop, weekday=0, opens=time(8), closes=time(20))
    OpeningException.objects.create(partner=shop, date=date(2026, 11, 23), is_closed=True, note="店休")
    assert not is_open_at(shop, at(0, 12))
    assert is_open_at(shop, at(7, 12))  # the next Monday is ordinary


def test_an_exception_with_special_hours_replaces_the_weekly_hours():
    shop = MerchantFactory()
    OpeningPeriodFactory(partner=shop, weekday=0, opens=time(8), closes=time(20))
    OpeningException.objects.create(
        partner=shop, date=date(2026, 11, 23), is_closed=False, opens=time(10), closes=time(14)
    )
    assert not is_open_at(shop, at(0, 9))
    assert is_open_at(shop, at(0, 13))
    assert not is_open_at(shop, at(0, 15))


def test_open_merchants_of_a_district_cost_a_fixed_number_of_queries(django_assert_max_num_queries):
    from catalog.search.backends.database import open_merchant_ids

    for _ in range(12):
        shop = MerchantFactory()
        OpeningPeriodFactory(partner=shop, weekday=0, opens=time(8), closes=time(20))
        OpeningException.objects.create(partner=shop, date=date(2026, 11, 24), is_closed=True)
    with django_assert_max_num_queries(3):  # merchants, their periods, their exceptions
        open_ids = open_merchant_ids(at=at(0, 12))
    assert len(open_ids) == 12


def test_open_merchants_answers_as_is_open_at_for_many_shops_in_one_statement(django_assert_num_queries):
    # given a breakfast shop, a night shop (Friday 18:00 to 02:00), a shop closed by a holiday,
    # a shop with special hours that day, a paused shop, and a shop with no hours at all
    from datetime import timedelta

    from merchants.selectors import open_merchants

    breakfast, night, holiday, special, paused, none = (MerchantFactory() for _ in range(6))
    OpeningPeriodFactory(partner=breakfast, weekday=5, opens=time(6), closes=time(10, 30))
    OpeningPeriodFactory(partner=night, weekday=4, opens=time(18), closes=time(2))
    for shop in (holiday, special, paused):
        OpeningPeriodFactory(partner=shop, weekday=5, opens=time(0), closes=time(23, 59))
    OpeningException.objects.create(partner=holiday, date=date(2026, 11, 28), is_closed=True)
    OpeningException.objects.create(partner=special, date=date(2026, 11, 28), is_closed=False,
                                    opens=time(1), closes=time(3))
    OpeningException.objects.create(partner=holiday, date=date(2026, 11, 27), is_closed=False,
                                    opens=time(1), closes=time(2))  # another day's exception: no effect
    shops = [breakfast, night, holiday, special, paused, none]
    for moment in (at(5, 1, 30), at(5, 2, 30), at(5, 7), at(5, 12), at(4, 23)):
        paused.paused_until = moment + timedelta(hours=1) if moment.hour == 7 else None
        # when the open ones are read at once
        with django_assert_num_queries(1):
            open_ids = open_merchants(shops, moment)
        # then they are exactly those is_open_at finds one by one
        assert open_ids == {shop.pk for shop in shops if is_open_at(shop, moment)}, moment
    assert open_merchants(shops, at(5, 1, 30)) == {night.pk, special.pk, paused.pk}
