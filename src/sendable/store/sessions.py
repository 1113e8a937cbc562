"""Queries over the sessions table: opaque tokens, stored only as their SHA-256."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from sendable.store.schema import accounts, sessions


def insert(conn: sa.Connection, token_hash: str, account: int, now: float,
           expires_at: float) -> None:
    conn.execute(sa.insert(sessions).values(token_hash=token_hash, account_id=account,
                                            created_at=now, expires_at=expires_at))


def live(conn: sa.Connection, token_hash: str, now: float) -> Mapping[str, Any] | None:
    """The account behind a token that is neither expired nor revoked."""
    q = (sa.select(accounts.c.id, accounts.c.handle, accounts.c.role, accounts.c.deactivated,
                   sessions.c.expires_at)
         .join(accounts, accounts.c.id == sessions.c.account_id)
         .where(sessions.c.token_hash == token_hash, sessions.c.revoked_at.is_(None),
                sessions.c.expires_at > now))
    found = conn.execute(q).mappings().first()
    return dict(found) if found else None


def revoke(conn: sa.Connection, token_hash: str, now: float) -> bool:
    result = conn.execute(sa.update(sessions).where(sessions.c.token_hash == token_hash,
                                                    sessions.c.revoked_at.is_(None))
                          .values(revoked_at=now))
    return result.rowcount > 0


def account_of(conn: sa.Connection, token_hash: str) -> int | None:
    found = conn.execute(sa.select(sessions.c.account_id)
                         .where(sessions.c.token_hash == token_hash)).first()
    return found.account_id if found else None


def revoke_others(conn: sa.Connection, account: int, keep_hash: str, now: float) -> list[str]:
    """End every live session of the account but one; the digests of those ended."""
    q = sa.select(sessions.c.token_hash).where(
        sessions.c.account_id == account, sessions.c.token_hash != keep_hash,
        sessions.c.revoked_at.is_(None), sessions.c.expires_at > now)
    ended = [r.token_hash for r in conn.execute(q)]
    if ended:
        conn.execute(sa.update(sessions).where(sessions.c.token_hash.in_(ended))
                     .values(revoked_at=now))
    return ended
