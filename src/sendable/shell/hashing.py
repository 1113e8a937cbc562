"""Password hashing within a memory budget.

Each argon2 hash (sign-up, sign-in, password change) takes `memory_cost` KiB
(64 MiB by default) for its duration. Unbounded, 40 concurrent sign-ups took a
server from 210 MB to 2.35 GB and slowed every other request tenfold. So hashing
runs in a fixed number of slots: by default one per 64 MiB of an eighth of the
machine's memory, at most one per CPU (SENDABLE_HASH_SLOTS sets it). A few
callers may wait for a slot; past that queue, or after `wait` seconds, the
attempt is answered 429 with `retry_after` at once, holding no memory and no
worker thread.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sendable.errors import Throttled

_MIB = 1024 * 1024


def default_slots(memory_cost_kib: int) -> int:
    named = os.environ.get("SENDABLE_HASH_SLOTS", "").strip()
    if named:
        return max(1, int(named))
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        total = 2048 * _MIB
    by_memory = (total // 8) // max(_MIB, memory_cost_kib * 1024)
    return int(max(1, min(by_memory, os.cpu_count() or 1)))


class HashSlots:
    def __init__(self, slots: int, queue: int | None = None, wait: float = 5.0) -> None:
        self.slots = slots
        self.queue = slots * 2 if queue is None else queue
        self.wait = wait
        self._sem = threading.BoundedSemaphore(slots)
        self._lock = threading.Lock()
        self._waiting = 0
        self.busy = 0  # in a slot now (for tests and metrics)
        self.peak = 0

    @contextmanager
    def slot(self, field: str = "password") -> Iterator[None]:
        with self._lock:
            if self._waiting >= self.queue:
                raise Throttled("the server is busy; try again in a moment", 1, field)
            self._waiting += 1
        try:
            got = self._sem.acquire(timeout=self.wait)
        finally:
            with self._lock:
                self._waiting -= 1
        if not got:
            raise Throttled("the server is busy; try again in a moment", 1, field)
        with self._lock:
            self.busy += 1
            self.peak = max(self.peak, self.busy)
        try:
            yield
        finally:
            with self._lock:
                self.busy -= 1
            self._sem.release()
