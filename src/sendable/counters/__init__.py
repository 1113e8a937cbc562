"""Moving-window event counters on the injected clock.

One interface, storages chosen by URI (the shape of the `limits` package, but
our timestamps come from the service's clock so that scenarios can advance
time): `memory://` by default, `redis://…` for several nodes.
"""

from __future__ import annotations

from typing import Protocol

from sendable.counters.memory import MemoryCounters


class Counters(Protocol):
    def add(self, key: str, at: float, member: str, keep: float) -> None:
        """Record an event at `at`; events older than `at - keep` may be dropped."""
        ...

    def add_many(self, events: list[tuple[str, float, str, float]]) -> None:
        """Several `add(key, at, member, keep)` in one round trip."""
        ...

    def since(self, key: str, start: float) -> list[tuple[float, str]]:
        """Events with time > start, oldest first, as (time, member)."""
        ...

    def many_since(self, queries: list[tuple[str, float]]) -> list[list[tuple[float, str]]]:
        """Several `since` reads in one round trip."""
        ...

    def many_times_since(self, queries: list[tuple[str, float]]) -> list[list[float]]:
        """`many_since` without the members: the times alone, for series whose members
        nobody reads (a busy sender's windows hold thousands of events)."""
        ...


def open_counters(uri: str | None) -> Counters:
    if not uri or uri.startswith("memory://"):
        return MemoryCounters()
    if uri.startswith(("redis://", "rediss://", "unix://")):
        from sendable.counters.redis import RedisCounters

        return RedisCounters(uri)
    raise ValueError(f"counters: unknown storage {uri!r} (memory:// or redis://)")
