"""python manage.py search_index --rebuild | --check | --sync"""

import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from catalog.search.elastic import indexer


class Command(BaseCommand):
    help = "Rebuild the Elasticsearch indices behind their aliases (no downtime), check them against the database, or apply the outbox now."

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--rebuild", action="store_true", help="build new indices and swap the aliases")
        action.add_argument("--check", action="store_true", help="report every difference between database and index")
        action.add_argument("--sync", action="store_true", help="apply the pending outbox rows now")
        parser.add_argument("--only", choices=indexer.KINDS, help="one index only")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        if not settings.ELASTICSEARCH_URL:
            raise CommandError("ELASTICSEARCH_URL is not set: the database search backend needs no index.")
        kinds = [options["only"]] if options["only"] else list(indexer.KINDS)
        try:
            if options["rebuild"]:
                self.rebuild(kinds, progress=not options["no_progress"])
            elif options["check"]:
                self.check_index(kinds)
            else:
                self.stdout.write(f"applied {indexer.apply_outbox()} outbox rows")
        except indexer.IndexingFailed as exc:
            raise CommandError(f"Elasticsearch refused documents: {exc}") from exc
        except Exception as exc:
            from catalog.search.elastic.client import is_unavailable

            if is_unavailable(exc):
                raise CommandError(f"Elasticsearch at {settings.ELASTICSEARCH_URL} cannot be reached: {exc}") from exc
            raise

    def rebuild(self, kinds, *, progress: bool):
        for kind in kinds:
            total = indexer.count_documents(kind)
            with tqdm(total=total, desc=f"{kind:9}", unit="doc", file=sys.stderr, disable=not progress) as bar:
                stats = indexer.rebuild(kind, progress=bar.update)
            self.stdout.write(
                f"{kind}: {stats.documents} documents into {stats.index} in {stats.seconds:.1f} s "
                f"({stats.per_second:,.0f}/s); alias {stats.index.rsplit('-', 1)[0]} swapped"
            )

    def check_index(self, kinds):
        clean = True
        for kind in kinds:
            report = indexer.check(kind)
            self.stdout.write(f"{kind}: database {report.database}, index {report.index}")
            for label, ids in (("missing from the index", report.missing), ("in the index only", report.extra),
                               ("different in the index", report.stale)):
                if ids:
                    clean = False
                    shown = ", ".join(map(str, ids[:50])) + (" …" if len(ids) > 50 else "")
                    self.stdout.write(f"  {len(ids)} {label}: {shown}")
        if not clean:
            raise CommandError("the index differs from the database (run search_index --rebuild, or wait for the sync)")
        self.stdout.write(self.style.SUCCESS("index and database agree"))
