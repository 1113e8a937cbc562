"""One-time codes (an email's verification code, a phone's), stored only as their
argon2 hashes; both kinds keep the same columns in their own table."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from sendable.store.driver import Row
from sendable.store.schema import phone_codes, verification_codes

_TABLES = {"email": verification_codes, "phone": phone_codes}


def sent_since(conn: sa.Connection, account: int, since: float, kind: str = "email") -> int:
    codes = _TABLES[kind]
    return conn.execute(sa.select(sa.func.count()).select_from(codes)
                        .where(codes.c.account_id == account,
                               codes.c.created_at > since)).scalar_one()


def first_sent_since(conn: sa.Connection, account: int, since: float,
                     kind: str = "email") -> float | None:
    """When the oldest code sent after `since` was sent (None: none was)."""
    codes = _TABLES[kind]
    return conn.execute(sa.select(sa.func.min(codes.c.created_at))
                        .where(codes.c.account_id == account,
                               codes.c.created_at > since)).scalar_one()


def retire_live(conn: sa.Connection, account: int, now: float, kind: str = "email") -> None:
    """Every live code of the account stops working now."""
    codes = _TABLES[kind]
    conn.execute(sa.update(codes)
                 .where(codes.c.account_id == account, codes.c.used_at.is_(None),
                        codes.c.expires_at > now)
                 .values(expires_at=now))


def insert(conn: sa.Connection, account: int, code_hash: str, now: float,
           expires_at: float, kind: str = "email") -> None:
    codes = _TABLES[kind]
    conn.execute(sa.insert(codes).values(account_id=account, code_hash=code_hash,
                                         created_at=now, expires_at=expires_at, attempts=0))


def live(conn: sa.Connection, account: int, now: float, max_attempts: int,
         kind: str = "email") -> Row | None:
    """The newest code still usable: unused, unexpired, with guesses left."""
    codes = _TABLES[kind]
    found = conn.execute(
        sa.select(codes)
        .where(codes.c.account_id == account, codes.c.used_at.is_(None),
               codes.c.expires_at > now, codes.c.attempts < max_attempts)
        .order_by(codes.c.id.desc()).limit(1)).mappings().first()
    return dict(found) if found else None


def update(conn: sa.Connection, code_id: int, kind: str = "email", **values: Any) -> None:
    codes = _TABLES[kind]
    conn.execute(sa.update(codes).where(codes.c.id == code_id).values(**values))
