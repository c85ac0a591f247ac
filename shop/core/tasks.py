"""Shared-kernel tasks: a ping to prove the broker, a worker and the result backend work together."""

import os
import socket

from celery import current_app, shared_task


# No `queue=` here: Celery 5.7 deprecates the task attribute (removed in 6.0) in favour of the
# task_routes setting; core.* tasks go to CELERY_TASK_DEFAULT_QUEUE ("default").
@shared_task(name="core.ping", ignore_result=False)
def ping(payload: str = "pong") -> dict:
    """Answer with the payload and where it ran (smoke tests check it ran in a real worker)."""
    return {"payload": payload, "hostname": socket.gethostname(), "pid": os.getpid()}


def queue_names(app=None) -> list[str]:
    """Every queue a worker must consume: the default queue, the configured ones, the queues
    named in task_routes (dict form) and any queue a task still names as an attribute."""
    app = app or current_app
    app.loader.import_default_modules()  # autodiscovers <app>/tasks.py
    names = {app.conf.task_default_queue or "celery"}
    names.update(queue.name for queue in (app.conf.task_queues or []))
    routes = app.conf.task_routes
    if isinstance(routes, dict):
        names.update(route["queue"] for route in routes.values() if isinstance(route, dict) and route.get("queue"))
    names.update(task.queue for task in app.tasks.values() if getattr(task, "queue", None))
    return sorted(names)
