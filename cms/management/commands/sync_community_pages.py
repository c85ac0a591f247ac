"""`manage.py sync_community_pages`: a page for every community (for rows written without
signals, e.g. loaddata or a bulk import); renamed communities' pages follow."""

from django.core.management.base import BaseCommand

from cms.services import sync_all_community_pages


class Command(BaseCommand):
    help = "Create or rename the community pages so that every community has its own."

    def handle(self, *args, **options):
        pages = sync_all_community_pages()
        self.stdout.write(f"{len(pages)} community pages in step.")
