"""How long to wait before retrying work that failed for a reason that may pass
(reliability.md §3.4): what a 429 asks for, else capped exponential backoff with jitter."""

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
