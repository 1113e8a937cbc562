"""Injected clocks: the only place below the shell that knows what time it is."""

from __future__ import annotations

import functools
import math
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch, UTC."""
        ...


class SystemClock:
    def now(self) -> float:
        return time.time()


class FixedClock:
    """A clock that only moves when told to: scenarios and tests advance it."""

    def __init__(self, start: float) -> None:
        self._now = float(start)

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        self._now += seconds

    def set(self, at: float) -> None:
        self._now = float(at)


def to_iso(ts: float | None) -> str | None:
    """An epoch time as ISO 8601 in UTC, or None."""
    if ts is None:
        return None
    # What datetime.fromtimestamp(ts, UTC).isoformat() gives, at a fraction of its
    # cost (every answer about a message carries times): microseconds rounded half
    # to even as datetime rounds them, the date and time of the second kept.
    fraction, whole = math.modf(ts)
    micros = round(fraction * 1e6)
    if micros >= 1_000_000:
        whole, micros = whole + 1, micros - 1_000_000
    elif micros < 0:
        whole, micros = whole - 1, micros + 1_000_000
    second = _iso_second(int(whole))
    return f"{second}.{micros:06d}Z" if micros else f"{second}Z"


@functools.lru_cache(maxsize=1024)
def _iso_second(whole: int) -> str:
    return datetime.fromtimestamp(whole, UTC).isoformat().replace("+00:00", "")


def parse_iso(value: str | datetime) -> float:
    """ISO 8601 (a trailing Z allowed; naive means UTC) to epoch seconds."""
    if isinstance(value, datetime):
        dt = value
    else:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()
