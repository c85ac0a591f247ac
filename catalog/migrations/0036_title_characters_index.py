"""A character index on product titles for the database search backend (the fallback when
Elasticsearch is down): a Chinese word of one or two characters (药, 牛奶) has no trigram, so the
trigram index of 0035 cannot serve it and every title was scanned. This GIN index holds each
title's characters (``string_to_array(text, NULL)`` splits into characters); the backend asks
for titles holding all the term's characters, then LIKE checks the order
(catalog/search/backends/database.py ``titled_products``). PostgreSQL only: no-op on SQLite.
pg_bigm would do this in one index but is not available here.
"""

from django.db import migrations

NAME = "catalog_product_title_chars"
DEFINITION = "USING gin (string_to_array(UPPER(title::text), NULL::text))"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {NAME} ON catalogue_product {DEFINITION}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):

    dependencies = [("catalogue", "0035_search_fallback_indexes")]

    operations = [migrations.RunPython(create, drop)]
