"""Statements per checkout, and which of them the stock ledger adds (run by hand, never as a test):

    scripts/with-env.sh dev uv run python bench/checkout_statements.py

Places one order over three merchants (weighed greens, packaged medicine, a home service) in a
transaction that is rolled back, counting every SQL statement of place_order; the ledger's own
are the inserts into the stock movements and the search outbox (one each per checkout, however
many listings: bulk inserts).
"""

import os
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.base")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from shop.checkout.services import place_order  # noqa: E402
from shop.checkout.tests.scene import make_scene  # noqa: E402


class Rollback(Exception):
    pass


def main() -> None:
    try:
        with transaction.atomic():
            scene = make_scene()
            basket = scene.fill(greens_g=1000, medicine=2, cleaning=1)
            with CaptureQueriesContext(connection) as queries:
                place_order(user=scene.resident, basket=basket, address_id=scene.address.pk,
                            groups=scene.choices(medicine="delivery"), payment="cod")
            raise Rollback
    except Rollback:
        pass
    kinds = Counter()
    for query in queries.captured_queries:
        sql = query["sql"]
        if "partner_stockmovement" in sql and sql.startswith("INSERT"):
            kinds["ledger: stock movements insert"] += 1
        elif "catalogue_searchoutbox" in sql and sql.startswith("INSERT"):
            kinds["ledger: search outbox insert"] += 1
        else:
            kinds[sql.split()[0]] += 1
    print(f"statements per checkout (3 merchants, 3 lines): {len(queries.captured_queries)}")
    for kind, count in sorted(kinds.items()):
        print(f"  {kind}: {count}")


if __name__ == "__main__":
    main()
