"""Indexes for the database search backend, the fallback when Elasticsearch is down.

PostgreSQL only (pg_trgm is a trusted extension: the database owner may create it); on SQLite,
the demo's database, the migration does nothing and the backend scans, which a demo's few
thousand listings allow.

- Trigram GIN indexes on UPPER(...) of the texts the backend matches with ``icontains``
  (Django writes ``UPPER(col::text) LIKE UPPER('%term%')`` on PostgreSQL, so the indexes are on
  that very expression): product titles, merchant names, category names. A term of three or
  more characters is then an index lookup instead of a scan.
- Listings by merchant with the price, for the circle's ``partner_id IN (...)`` filter and the
  price filters and facets read from the index.
The merchants' bounding-box index on (lat, lng) already exists (merchants 0008).
"""

from django.db import migrations

INDEXES = [
    ("catalog_product_title_trgm", "catalogue_product",
     "USING gin ((UPPER(title::text)) gin_trgm_ops)"),
    ("catalog_category_name_trgm", "catalogue_category",
     "USING gin ((UPPER(name::text)) gin_trgm_ops)"),
    ("catalog_partner_name_trgm", "partner_partner",
     "USING gin ((UPPER(name::text)) gin_trgm_ops)"),
    ("catalog_listing_partner_price", "partner_stockrecord",
     "(partner_id, price) INCLUDE (product_id, num_in_stock, num_allocated)"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, definition in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _definition in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("catalogue", "0034_search_outbox"),
        ("partner", "0010_partner_order_fees"),
    ]

    operations = [migrations.RunPython(create, drop)]
