"""The policy history: every policy that was live, with its digest, who set it and when."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from sendable.store.driver import Row
from sendable.store.schema import policies


def record(conn: sa.Connection, digest: str, data: str, at: float, by: str,
           action: str) -> int:
    """Append one entry: `data` is the policy as JSON."""
    result = conn.execute(sa.insert(policies).values(digest=digest, data=data, set_at=at,
                                                     set_by=by, action=action))
    return int(result.inserted_primary_key[0])


def latest(conn: sa.Connection) -> Row | None:
    """The entry of the policy live now (the last one set)."""
    row = conn.execute(sa.select(policies).order_by(policies.c.id.desc()).limit(1)
                       ).mappings().first()
    return dict(row) if row else None


def by_digest(conn: sa.Connection, digest: str) -> Row | None:
    row = conn.execute(sa.select(policies).where(policies.c.digest == digest)
                       .order_by(policies.c.id.desc()).limit(1)).mappings().first()
    return dict(row) if row else None


def history(conn: sa.Connection, limit: int = 50) -> list[dict[str, Any]]:
    """The newest entries first."""
    rows = conn.execute(sa.select(policies).order_by(policies.c.id.desc()).limit(limit))
    return [dict(r) for r in rows.mappings()]
