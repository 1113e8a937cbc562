"""Verification codes, stored only as their argon2 hashes."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from sendable.store.driver import Row
from sendable.store.schema import verification_codes as codes


def sent_since(conn: sa.Connection, account: int, since: float) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(codes)
                        .where(codes.c.account_id == account,
                               codes.c.created_at > since)).scalar_one()


def first_sent_since(conn: sa.Connection, account: int, since: float) -> float | None:
    """When the oldest code sent after `since` was sent (None: none was)."""
    return conn.execute(sa.select(sa.func.min(codes.c.created_at))
                        .where(codes.c.account_id == account,
                               codes.c.created_at > since)).scalar_one()


def retire_live(conn: sa.Connection, account: int, now: float) -> None:
    """Every live code of the account stops working now."""
    conn.execute(sa.update(codes)
                 .where(codes.c.account_id == account, codes.c.used_at.is_(None),
                        codes.c.expires_at > now)
                 .values(expires_at=now))


def insert(conn: sa.Connection, account: int, code_hash: str, now: float,
           expires_at: float) -> None:
    conn.execute(sa.insert(codes).values(account_id=account, code_hash=code_hash,
                                         created_at=now, expires_at=expires_at, attempts=0))


def live(conn: sa.Connection, account: int, now: float, max_attempts: int) -> Row | None:
    """The newest code still usable: unused, unexpired, with guesses left."""
    found = conn.execute(
        sa.select(codes)
        .where(codes.c.account_id == account, codes.c.used_at.is_(None),
               codes.c.expires_at > now, codes.c.attempts < max_attempts)
        .order_by(codes.c.id.desc()).limit(1)).mappings().first()
    return dict(found) if found else None


def update(conn: sa.Connection, code_id: int, **values: Any) -> None:
    conn.execute(sa.update(codes).where(codes.c.id == code_id).values(**values))
