"""Moving windows over event times: how many count now, and when one frees.

An event counts while `now - t < window`; `retry_after` is the whole seconds,
rounded up, until one more event would fit under the limit.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence


def count_in_window(times: Sequence[float], now: float, window: float) -> int:
    """How many of `times` (ascending) count in the window ending at `now`."""
    return len(times) - bisect_right(times, now - window)


def wait_for_room(times: Sequence[float], now: float, window: float, limit: int) -> int | None:
    """Seconds until fewer than `limit` events are in the window; None if there is room now."""
    start = bisect_right(times, now - window)
    inside = len(times) - start
    if inside < limit:
        return None
    # The (inside - limit + 1) oldest events must age out; the last of them decides.
    frees_at = times[start + inside - limit] + window
    return max(1, math.ceil(frees_at - now))
