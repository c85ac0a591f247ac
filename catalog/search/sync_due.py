"""One search sync task waiting at a time (catalog.search.outbox sends it, catalog.tasks runs it).

A busy shop commits many times a second, and a task sent for each commit (~0.5 ms of the web
process each: serialise, publish) applies nothing the waiting one will not. The key is set when
a task is sent and deleted when one starts, before it reads the outbox, so a commit that found
it set is read by that task. It expires on its own (a lost message); beat runs the sync every
few seconds anyway.
"""

from django.core.cache import cache

SYNC_DUE_KEY = "search:sync-due"
SYNC_DUE_SECONDS = 10


def already_due() -> bool:
    """Mark a task as waiting; True when one already was (then send none)."""
    try:
        return not cache.add(SYNC_DUE_KEY, 1, timeout=SYNC_DUE_SECONDS)
    except Exception:  # the cache away: send, as before
        return False


def sync_started() -> None:
    """Called by the sync task before it reads the outbox: the next commit sends a task again."""
    try:
        cache.delete(SYNC_DUE_KEY)
    except Exception:  # the key expires by itself
        pass
