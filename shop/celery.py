"""The Celery application. Tasks live in <app>/tasks.py; the beat schedule in settings."""

import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.base")

app = Celery("shop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _reuse_database_connections(**kwargs):
    """A worker process runs many short tasks (dispatch: tens a second). With CONN_MAX_AGE 0
    it would open a new database connection (and authenticate) for every task; keep one for a
    minute instead. Celery's Django fixup still closes a broken or older one before each task."""
    from django.db import connections

    for connection in connections.all(initialized_only=False):
        if not connection.settings_dict.get("CONN_MAX_AGE"):
            connection.settings_dict["CONN_MAX_AGE"] = 60
