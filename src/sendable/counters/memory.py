"""In-process counters: sorted times and their members per key; and PendingCounters,
additions held back over any counters until flushed (a batch of sends)."""

from __future__ import annotations

import threading
from bisect import bisect_right
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sendable.counters import Counters


class MemoryCounters:
    def __init__(self) -> None:
        # Per key, the times (ascending) and their members side by side: a window's
        # times are then one slice, at C speed, however busy the sender.
        self._times: dict[str, list[float]] = {}
        self._members: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def add(self, key: str, at: float, member: str, keep: float) -> None:
        with self._lock:
            times = self._times.setdefault(key, [])
            members = self._members.setdefault(key, [])
            if not times or times[-1] <= at:
                times.append(at)
                members.append(member)
            else:
                at_index = bisect_right(times, at)
                times.insert(at_index, at)
                members.insert(at_index, member)
            cut = bisect_right(times, at - keep)
            if cut:
                del times[:cut]
                del members[:cut]

    def add_many(self, events: list[tuple[str, float, str, float]]) -> None:
        for key, at, member, keep in events:
            self.add(key, at, member, keep)

    def since(self, key: str, start: float) -> list[tuple[float, str]]:
        with self._lock:
            times = self._times.get(key)
            if not times:
                return []
            first = bisect_right(times, start)
            return list(zip(times[first:], self._members[key][first:], strict=True))

    def many_since(self, queries: list[tuple[str, float]]) -> list[list[tuple[float, str]]]:
        return [self.since(key, start) for key, start in queries]

    def times_since(self, key: str, start: float) -> list[float]:
        with self._lock:
            times = self._times.get(key)
            if not times:
                return []
            return times[bisect_right(times, start):]

    def many_times_since(self, queries: list[tuple[str, float]]) -> list[list[float]]:
        return [self.times_since(key, start) for key, start in queries]


class PendingCounters:
    """Counters with events held back: reads see `base` plus what was added here;
    `flush()` hands the additions to `base`. A batch of sends counts into one of
    these, so each attempt sees the ones before it, and flushes just before its
    commit; a batch rolled back is simply dropped, leaving no events behind.

    `prefetch` reads windows of `base` ahead, in one round trip: the batch knows
    its senders, and while it holds their locks nobody else counts for them."""

    def __init__(self, base: Counters) -> None:
        self.base = base
        self._added: dict[str, list[tuple[float, str, float]]] = {}
        self._read: dict[str, tuple[float, list[tuple[float, str]]]] = {}

    def add(self, key: str, at: float, member: str, keep: float) -> None:
        self._added.setdefault(key, []).append((at, member, keep))

    def add_many(self, events: list[tuple[str, float, str, float]]) -> None:
        for event in events:
            self.add(*event)

    def prefetch(self, queries: list[tuple[str, float]]) -> None:
        """Read these windows of `base` now; a later read of one of them from the same
        start or after comes from here. Sound only while nothing else adds to them."""
        for (key, start), events in zip(queries, self.base.many_since(queries), strict=True):
            self._read[key] = (start, events)

    def since(self, key: str, start: float) -> list[tuple[float, str]]:
        return self.many_since([(key, start)])[0]

    def many_since(self, queries: list[tuple[str, float]]) -> list[list[tuple[float, str]]]:
        found = self._base_since(queries)
        return [_merged(events, [(at, member) for at, member, _ in self._added.get(key, ())
                                 if at > start])
                for events, (key, start) in zip(found, queries, strict=True)]

    def many_times_since(self, queries: list[tuple[str, float]]) -> list[list[float]]:
        if self._read:  # prefetched (time, member) pairs: their times
            found = [[at for at, _ in events] for events in self._base_since(queries)]
        else:
            found = self.base.many_times_since(queries)
        return [_merged(times, [at for at, _, _ in self._added.get(key, ()) if at > start])
                for times, (key, start) in zip(found, queries, strict=True)]

    def _base_since(self, queries: list[tuple[str, float]]) -> list[list[tuple[float, str]]]:
        if not self._read:
            return self.base.many_since(queries)
        found: list[list[tuple[float, str]]] = []
        missing: list[int] = []
        for i, (key, start) in enumerate(queries):
            read = self._read.get(key)
            if read is not None and read[0] <= start:
                found.append(read[1][bisect_right(read[1], (start, "\uffff")):])
            else:
                found.append([])
                missing.append(i)
        if missing:
            for i, events in zip(missing, self.base.many_since([queries[i] for i in missing]),
                                 strict=True):
                found[i] = events
        return found

    def mark(self) -> dict[str, int]:
        """Where the additions stand now, for `undo`."""
        return {key: len(added) for key, added in self._added.items()}

    def undo(self, mark: dict[str, int]) -> None:
        """Drop what was added since `mark` (an attempt rolled back alone)."""
        for key in list(self._added):
            del self._added[key][mark.get(key, 0):]
            if not self._added[key]:
                del self._added[key]

    def flush(self) -> None:
        self.base.add_many([(key, at, member, keep) for key, added in self._added.items()
                            for at, member, keep in added])
        self._added.clear()
        self._read.clear()  # base now holds what was added: read it afresh


def _merged(read: list, later: list) -> list:
    """What was read, then what is pending after it, in order (both ascending)."""
    if not later:
        return read
    if not read or read[-1] <= min(later):  # the usual case: time moved on
        return read + sorted(later)
    return sorted([*read, *later])  # timsort: two sorted runs merge in one pass
