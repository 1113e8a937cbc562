"""Stream tickets: short-lived, single-use, each for one session (stored as SHA-256)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from sendable.store.schema import stream_tickets


def insert(conn: sa.Connection, ticket_hash: str, session_hash: str, account: int,
           now: float, expires_at: float) -> None:
    conn.execute(sa.delete(stream_tickets).where(stream_tickets.c.expires_at < now - 3600))
    conn.execute(sa.insert(stream_tickets).values(
        ticket_hash=ticket_hash, session_hash=session_hash, account_id=account,
        created_at=now, expires_at=expires_at))


def redeem(conn: sa.Connection, ticket_hash: str, now: float) -> Mapping[str, Any] | None:
    """Use a ticket once: its row if it was live and unused (now it is used), else None."""
    used = conn.execute(sa.update(stream_tickets).where(
        stream_tickets.c.ticket_hash == ticket_hash, stream_tickets.c.used_at.is_(None),
        stream_tickets.c.expires_at > now).values(used_at=now))
    if used.rowcount != 1:
        return None
    found = conn.execute(sa.select(stream_tickets).where(
        stream_tickets.c.ticket_hash == ticket_hash)).mappings().first()
    return dict(found) if found else None
