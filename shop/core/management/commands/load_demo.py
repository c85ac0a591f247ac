"""`manage.py load_demo [--seed S] [--scale N]`: the demo district, its shops and its people.

Deterministic for a seed and idempotent: loading twice, or loading again after a crash,
duplicates nothing. `--scale N` then grows the listings towards N for benchmarks.
See shop/demo/ for the data.
"""

import time
import unicodedata
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import timezone

from shop.demo import DEMO_USERS
from shop.demo.builder import counts, read_formats, write_plan
from shop.demo.history import plan_history, write_history  # six months for the bureau's dashboard
from shop.demo.plan import DEFAULT_SEED, make_plan
from shop.demo.scale import MAX_LISTINGS, grow_listings, tqdm_progress


def parse_seed(value) -> int:
    if isinstance(value, bool):
        raise CommandError(f"--seed must be an integer, got {value!r}.")
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise CommandError(f"--seed must be an integer, got {value!r}.") from None


def parse_scale(value) -> int | None:
    if value is None:
        return None
    message = f"--scale must be a whole number of listings between the base load and {MAX_LISTINGS:,}, got {value!r}."
    if isinstance(value, bool):
        raise CommandError(message)
    try:
        number = value if isinstance(value, int) else int(str(value).strip().replace("_", ""))
    except ValueError:
        raise CommandError(message) from None
    if number > MAX_LISTINGS:
        raise CommandError(f"--scale {number:,} is above the maximum of {MAX_LISTINGS:,} listings.")
    if number < 1:
        raise CommandError(f"--scale must be a positive number of listings, got {number}.")
    return number


def pad(text: str, width: int) -> str:
    """Left-align in a fixed-width column, counting a Chinese character as two columns."""
    columns = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - columns)


class Command(BaseCommand):
    help = "Load the demo district (鼓楼区, 南京): communities, merchants, listings, couriers, residents and demo users."

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", default=DEFAULT_SEED, metavar="S",
            help=f"random seed; the same seed gives the same data (default {DEFAULT_SEED})",
        )
        parser.add_argument(
            "--scale", default=None, metavar="N",
            help=f"grow the listings towards N (at least the base load, at most {MAX_LISTINGS:,}) for benchmarks",
        )

    def handle(self, *args, **options):
        from django.conf import settings

        if not settings.DEMO_DATA_ALLOWED:
            # it resets the README's demo passwords and a superuser: never on a real database
            raise CommandError("load_demo is refused: DEMO_DATA_ALLOWED is off (production settings). "
                               "It resets the demo users' published passwords and a superuser.")
        seed = parse_seed(options["seed"])
        scale = parse_scale(options["scale"])
        verbosity = options["verbosity"]
        started = time.monotonic()

        try:
            formats = read_formats()
        except DatabaseError as exc:
            raise CommandError(f"The database is not ready ({exc}). Run `manage.py migrate` first.") from None
        if not formats:
            raise CommandError("No business formats in the database. Run `manage.py migrate` first (it loads them).")

        plan = make_plan(seed, formats)
        if scale is not None and scale < plan.listing_count:
            raise CommandError(
                f"--scale {scale:,} is below the base load of {plan.listing_count:,} listings; "
                f"give at least {plan.listing_count:,} (or leave --scale out)."
            )

        write_plan(plan)
        write_history(plan, plan_history(plan, last=timezone.localdate() - timedelta(days=1)), progress=verbosity > 0)
        base_seconds = time.monotonic() - started
        if verbosity:
            self.stdout.write(f"Loaded the demo district (seed {seed}) in {base_seconds:.1f} s.")

        if scale is not None:
            scale_started = time.monotonic()
            try:
                added = grow_listings(seed=seed, target=scale, progress=tqdm_progress(enabled=verbosity > 0))
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            if verbosity:
                self.stdout.write(
                    f"Scale: added {added:,} listings towards {scale:,} in {time.monotonic() - scale_started:.1f} s."
                )

        if verbosity:
            self._summary(plan, time.monotonic() - started)

    def _summary(self, plan, seconds: float) -> None:
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Rows per model"))
        for label, count in counts():
            self.stdout.write(f"  {pad(label, 36)}{count:>9,}")
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Demo users (sign in with the mobile number)"))
        self.stdout.write(f"  {pad('role', 14)}{pad('mobile', 13)}{pad('password', 20)}note")
        for user in DEMO_USERS:
            self.stdout.write(f"  {pad(user.role_zh, 14)}{pad(user.mobile, 13)}{pad(user.password, 20)}{user.note}")
        shop = next(m for m in plan.merchants if m.code == plan.staff_merchant_code)
        self.stdout.write(f"  The merchant user works at {shop.name} ({shop.code}, {shop.address}).")
        self.stdout.write(self.style.SUCCESS(f"Done in {seconds:.1f} s."))
