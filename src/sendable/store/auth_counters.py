"""Sign-up and log-in attempts in moving windows, in the store (see shell/throttle.py).

The same shape as sendable.counters (add, since), so the throttle reads alike
whether its events live here or in Redis."""

from __future__ import annotations

import sqlalchemy as sa

from sendable.store.schema import auth_counters


def add(conn: sa.Connection, key: str, at: float, member: str, keep: float) -> None:
    """Record an event; this key's events older than `at - keep` go."""
    conn.execute(sa.delete(auth_counters).where(auth_counters.c.key == key,
                                                auth_counters.c.at <= at - keep))
    conn.execute(sa.insert(auth_counters).values(key=key, at=at, member=member))


def since(conn: sa.Connection, key: str, start: float) -> list[tuple[float, str]]:
    q = (sa.select(auth_counters.c.at, auth_counters.c.member)
         .where(auth_counters.c.key == key, auth_counters.c.at > start)
         .order_by(auth_counters.c.at))
    return [(r.at, r.member) for r in conn.execute(q)]


def clear(conn: sa.Connection, key: str) -> None:
    conn.execute(sa.delete(auth_counters).where(auth_counters.c.key == key))
