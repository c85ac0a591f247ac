"""What the storefront circle tests share: places around the test community's centre, the
shops in them, and a page's visible text. The `home` community is a fixture in conftest.py."""

import math
import re

from communities.tests.factories import BASE_LAT, BASE_LNG
from merchants.tests.factories import MerchantFactory, business_format
from shop.core.geo import EARTH_RADIUS_M

LOCATION_URL = "/circle/location/"
CIRCLE_URL = "/circle/"
METRES_PER_DEGREE = math.pi * EARTH_RADIUS_M / 180


def offset(north_m: float = 0, east_m: float = 0, lat: float = BASE_LAT, lng: float = BASE_LNG) -> tuple[float, float]:
    return (lat + north_m / METRES_PER_DEGREE,
            lng + east_m / (METRES_PER_DEGREE * math.cos(math.radians(lat))))


def page_text(response) -> str:
    """The visible text of a page: tags stripped, whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def shop(home, name, code, north_m=0, east_m=0, **kwargs):
    lat, lng = offset(north_m, east_m)
    return MerchantFactory(name=name, format=business_format(code), community=home, lat=lat, lng=lng, **kwargs)
