"""Store every community's figures for a day, or for a range of days, with a progress bar.

    python manage.py compute_metrics                 # yesterday (what the nightly beat job does)
    python manage.py compute_metrics --date 2026-11-30
    python manage.py compute_metrics --from 2026-06-01 --to 2026-11-30
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from bureau import services


def _day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{name}: expected a date as YYYY-MM-DD, got {text!r}") from None


class Command(BaseCommand):
    help = "Compute and store the bureau's daily figures of every community (MetricSnapshot)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="one day, YYYY-MM-DD (default: yesterday)")
        parser.add_argument("--from", dest="first", help="first day of a range, YYYY-MM-DD")
        parser.add_argument("--to", dest="last", help="last day of a range (default: yesterday)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, date=None, first=None, last=None, no_progress=False, **options):
        now = timezone.now()
        yesterday = timezone.localdate(now) - timedelta(days=1)
        if date and (first or last):
            raise CommandError("give --date or --from/--to, not both")
        if date:
            days = [_day(date, "--date")]
        elif first:
            start, end = _day(first, "--from"), _day(last, "--to") if last else yesterday
            if end < start:
                raise CommandError("--to is before --from")
            days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
        else:
            days = [yesterday]
        if days[-1] > timezone.localdate(now):
            raise CommandError("cannot compute a day that has not begun")
        stored = services.store_snapshot_range(first=days[0], last=days[-1], now=now, progress=not no_progress)
        self.stdout.write(f"stored {stored} snapshots for {len(days)} day(s): {days[0]} … {days[-1]}")
