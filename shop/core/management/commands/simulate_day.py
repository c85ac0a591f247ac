"""`manage.py simulate_day --orders N`: a day of orders of every kind, driven until each has
ended, then the stock and money audits (shop/demo/simday.py says what is played and how).

    --orders N      how many orders to place (default 200)
    --seed S        the driver's seed (default 1)
    --wait S        seconds to wait for the worker before giving a stuck batch up (default 60)
    --all-hours     the demo's shops and points trade round the clock (for a run at night;
                    load_demo writes their own hours back)

Exit status 1 when an audit finds drift or a group has not ended.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from oscar.apps.order.models import Order

from delivery.lifecycle import TERMINAL
from delivery.models import FulfilmentGroup
from shop.demo.simday import Day


class Command(BaseCommand):
    help = "Place N orders of every kind and drive them until every one has ended; then audit stock and money."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=200)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--wait", type=float, default=60.0)
        parser.add_argument("--all-hours", action="store_true",
                            help="shops and points trade round the clock (a run outside trading hours)")

    def handle(self, *args, orders=200, seed=1, wait=60.0, **options):
        if orders < 1:
            raise CommandError("--orders must be at least 1")
        verbosity = options["verbosity"]
        day = Day(seed=seed, wait_seconds=wait, log=lambda m: verbosity >= 1 and self.stdout.write(m))
        report = day.run(orders=orders, all_hours=options["all_hours"])
        self.stdout.write(f"placed {sum(report.placed.values())} orders in {report.seconds:.1f} s: "
                          + ", ".join(f"{k} {v}" for k, v in sorted(report.placed.items())))
        if report.refused:
            self.stdout.write("refused or retried: " + ", ".join(f"{k} {v}" for k, v in sorted(report.refused.items())))
        self.stdout.write("groups ended: " + ", ".join(f"{k} {v}" for k, v in sorted(report.ended.items()))
                          + (f"; given up for want of a courier: {report.forced}" if report.forced else ""))
        live = FulfilmentGroup.objects.filter(order_id__in=report.order_ids).exclude(status__in=TERMINAL).count()
        statuses = {row["status"]: row["n"] for row in Order.objects.filter(pk__in=report.order_ids)
                    .values("status").annotate(n=Count("pk"))}
        self.stdout.write(f"orders by status: {statuses}; groups not ended: {live}")
        failures = []
        for command in ("stock_audit", "money_audit"):
            try:
                call_command(command, stdout=self.stdout)
            except CommandError as error:
                failures.append(str(error))
        if live:
            failures.append(f"{live} groups have not ended")
        if failures:
            raise CommandError("; ".join(failures))
