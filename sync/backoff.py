"""How long to wait before retrying work that failed for a reason that may pass: what a 429
asks for, else capped exponential backoff with jitter.

The numbers are shared: the sync tasks hand them to Celery's own backoff (sync/tasks/base.py).
`retry_countdown` is for work whose database row carries its schedule, the webhook inbox: an
event's `available_at`/`next_attempt_at` outlive the broker message, and the sweeper
(beat) republishes what is due."""

import random

BACKOFF_BASE_SECONDS = 15
# Stays far below the broker's visibility timeout (3600 s), so a delayed message is never
# redelivered early.
BACKOFF_MAX_SECONDS = 600


def retry_countdown(*, attempts: int, retry_after: float | None = None) -> float:
    """Seconds until try number `attempts + 1`. Jitter keeps a burst of failures from coming
    back as a burst."""
    if retry_after:
        return min(float(retry_after), BACKOFF_MAX_SECONDS) + random.uniform(0, 5)
    ceiling = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0))
    return random.uniform(ceiling / 2, ceiling)
