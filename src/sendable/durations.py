"""Durations ("30s", "5m", "2h", "7d") and rate limits ("30/minute")."""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_PERIODS = {
    "second": 1, "seconds": 1, "s": 1,
    "minute": 60, "minutes": 60, "m": 60,
    "hour": 3600, "hours": 3600, "h": 3600,
    "day": 86400, "days": 86400, "d": 86400,
}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+)\s*$")


def parse_duration(text: str) -> float:
    """Seconds in a duration such as "30s", "5m", "2h", "7d"."""
    m = _DURATION.match(str(text).lower())
    if not m:
        raise ValueError(f"{text!r} is not a duration like 30s, 5m, 2h or 7d")
    seconds = float(m.group(1)) * _UNITS[m.group(2)]
    if seconds <= 0:
        raise ValueError(f"{text!r} must be longer than zero")
    return seconds


@dataclass(frozen=True)
class RateLimit:
    """At most `limit` events in any moving window of `window` seconds."""

    limit: int
    window: float
    text: str


def parse_rate(text: str) -> RateLimit:
    """A rate such as "30/minute", "600/hour", "5/10m"."""
    m = _RATE.match(str(text).lower())
    if not m:
        raise ValueError(f"{text!r} is not a rate like 30/minute")
    count, multiple, unit = int(m.group(1)), m.group(2), m.group(3)
    if unit not in _PERIODS:
        raise ValueError(f"{text!r}: unknown period {unit!r} (second, minute, hour, day)")
    if count <= 0:
        raise ValueError(f"{text!r}: the count must be at least 1")
    window = _PERIODS[unit] * (int(multiple) if multiple else 1)
    if window <= 0:
        raise ValueError(f"{text!r}: the period must be longer than zero")
    return RateLimit(count, float(window), text)


_SHOWN_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


def format_duration(seconds: float) -> str:
    """A wait as people read it: the two largest units, like "6d 23h", "2h 5m", "45s"."""
    left = max(0, int(seconds))
    parts: list[str] = []
    for unit, size in _SHOWN_UNITS:
        if left >= size or (unit == "s" and not parts):
            parts.append(f"{left // size}{unit}")
            left %= size
        elif parts:
            break
        if len(parts) == 2 or (parts and not left):
            break
    return " ".join(parts)
