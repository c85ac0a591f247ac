"""Scheduled publishing and expiry: Wagtail's `publish_scheduled` run by beat every minute
(pages with a go-live time go live, pages past their expiry time are unpublished)."""

from celery import shared_task
from django.core.management import call_command


@shared_task(name="cms.publish_scheduled", acks_late=True, reject_on_worker_lost=True)
def publish_scheduled() -> None:
    # idempotent: each run publishes what is due and nothing else
    call_command("publish_scheduled")
