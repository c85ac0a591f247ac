import oscar.apps.search.apps as apps


class SearchConfig(apps.SearchConfig):
    name = "catalog.search"

    def ready(self):
        super().ready()
        from catalog.search import labels

        labels.connect()  # a changed category or format refreshes the facets' labels
