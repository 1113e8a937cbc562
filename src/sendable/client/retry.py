"""When to try again: exponential backoff with full jitter, capped, honouring the
server's `Retry-After`, within a bounded number of attempts and a time budget."""

from __future__ import annotations

import random
from dataclasses import dataclass
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class Retry:
    attempts: int = 6          # tries in all, the first included
    base: float = 0.2          # seconds before the second try (before jitter)
    factor: float = 2.0
    cap: float = 10.0          # no single wait is longer than this ...
    budget: float = 30.0       # ... and no send keeps trying longer than this
    max_retry_after: float = 60.0  # a longer Retry-After is not waited for: keep it queued

    def delay(self, attempt: int, retry_after: float | None = None,
              rng: random.Random | None = None) -> float:
        """Seconds to wait after failed try number `attempt` (1-based). Full jitter
        spreads clients that failed together; a Retry-After is a floor."""
        ceiling = min(self.cap, self.base * self.factor ** (attempt - 1))
        wait = (rng or random).uniform(0, ceiling)
        if retry_after is not None:
            wait = max(wait, retry_after)
        return wait


    def gives_up(self, attempt: int, elapsed: float, wait: float,
                 retry_after: float | None) -> bool:
        """Stop after try `attempt` when the tries, the time budget or the patience for
        a long Retry-After are used up."""
        return (attempt >= self.attempts or elapsed + wait > self.budget
                or (retry_after or 0) > self.max_retry_after)


NO_RETRY = Retry(attempts=1, budget=0)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date); None when absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if now is None:
        import time

        now = time.time()
    return max(0.0, when.timestamp() - now)
