"""Print, comma separated, every queue a Celery worker of this project must consume.

    celery -A shop worker -Q "$(python scripts/celery-queues.py)"

Used by scripts/celery.sh and by the worker of docker-compose.yml; see shop.core.tasks.queue_names.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.base")

import django  # noqa: E402

django.setup()

from shop.core.tasks import queue_names  # noqa: E402

print(",".join(queue_names()))
