"""In-process counters: a sorted list of (time, member) per key."""

from __future__ import annotations

import threading
from bisect import bisect_right, insort


class MemoryCounters:
    def __init__(self) -> None:
        self._events: dict[str, list[tuple[float, str]]] = {}
        self._lock = threading.Lock()

    def add(self, key: str, at: float, member: str, keep: float) -> None:
        with self._lock:
            events = self._events.setdefault(key, [])
            if not events or events[-1][0] <= at:
                events.append((at, member))
            else:
                insort(events, (at, member))
            cut = bisect_right(events, (at - keep, "\uffff"))
            if cut:
                del events[:cut]

    def since(self, key: str, start: float) -> list[tuple[float, str]]:
        with self._lock:
            events = self._events.get(key)
            if not events:
                return []
            return events[bisect_right(events, (start, "\uffff")):]

    def many_since(self, queries: list[tuple[str, float]]) -> list[list[tuple[float, str]]]:
        return [self.since(key, start) for key, start in queries]
