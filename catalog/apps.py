import oscar.apps.catalogue.apps as apps


class CatalogueConfig(apps.CatalogueConfig):
    name = "catalog"

    def ready(self):
        super().ready()
        from catalog.search import outbox

        outbox.connect()  # every change a search document depends on writes an outbox row
        from catalog import page_cache

        page_cache.connect()  # the same writes make every cached page out of date
