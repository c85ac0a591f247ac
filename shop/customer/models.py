from oscar.apps.customer.models import *  # noqa: F403  (Oscar's customer models, unchanged)
