"""The Celery application. Tasks live in <app>/tasks.py; the beat schedule in settings."""

import os

from celery import Celery
from celery.signals import task_prerun

# a server or worker is production unless told otherwise (make up, make demo and the tests say so)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.production")

app = Celery("shop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def _drop_broken_database_connections(**kwargs):
    """Workers keep their database connection between tasks (CELERY_DB_REUSE_MAX). As Django
    does between requests, drop one that failed and no longer answers (PostgreSQL restarted),
    so the next task reconnects instead of failing on the dead one."""
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        if connection.connection is not None and connection.errors_occurred:
            if connection.is_usable():
                connection.errors_occurred = False
            else:
                connection.close()
