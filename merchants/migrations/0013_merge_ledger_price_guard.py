# Joins two branches of work: the stock ledger / shop portal and the listing price guard.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("partner", "0012_shop_portal"),
        ("partner", "0011_stockrecord_price_positive"),
    ]

    operations = []
