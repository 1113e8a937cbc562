"""Accounts: rows, handles, the per-account write lock, the counts behind reputation."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from sendable.store.driver import DuplicateRow, Row, Sql, _columns, _rows_in, run
from sendable.store.schema import accounts

_ACCOUNT_COLUMNS = _columns(accounts)


def insert_account(conn: sa.Connection, **values: Any) -> int:
    values["handle_key"] = values["handle"].lower()
    try:
        with conn.begin_nested():
            return conn.execute(sa.insert(accounts).values(**values)).inserted_primary_key[0]
    except sa.exc.IntegrityError:
        raise DuplicateRow(f"the handle {values['handle']!r} is taken") from None

def account_by_handle(conn: sa.Connection, handle: str) -> Row | None:
    row = conn.execute(sa.select(accounts).where(accounts.c.handle_key == handle.lower()))
    found = row.mappings().first()
    return dict(found) if found else None

def account_by_id(conn: sa.Connection, account_id: int) -> Row | None:
    found = conn.execute(sa.select(accounts).where(accounts.c.id == account_id)).mappings().first()
    return dict(found) if found else None

def handles_by_ids(conn: sa.Connection, ids: Iterable[int]) -> dict[int, str]:
    ids = list(set(ids))
    if not ids:
        return {}
    rows = conn.execute(sa.select(accounts.c.id, accounts.c.handle).where(accounts.c.id.in_(ids)))
    return {r.id: r.handle for r in rows}

def update_account(conn: sa.Connection, account_id: int, **values: Any) -> None:
    conn.execute(sa.update(accounts).where(accounts.c.id == account_id).values(**values))

LOCKS_HELD = "sendable.locks_held"  # conn.info key: the accounts this transaction locked
_ACCOUNT_LOCKS = 0x5E4D  # advisory lock class: "an account's sends"

def lock_accounts(conn: sa.Connection, *account_ids: int) -> None:
    """Serialise writers touching these accounts until the transaction ends.

    On PostgreSQL several nodes write at once: a send takes its sender and
    recipient (in id order, so two sends cannot deadlock), which keeps each
    sender's read-decide-count of its limits whole, gives a conversation's
    messages their seq one at a time, and commits each account's events in id
    order (a stream's cursor never skips one). SQLite has one writer at a
    time already, so this is a no-op there.
    """
    if conn.dialect.name != "postgresql" or not account_ids:
        return
    held = conn.info.setdefault(LOCKS_HELD, set())  # emptied as each transaction begins
    wanted = set(account_ids) - held
    if not wanted:
        return
    # One statement for all of them (a batch of sends names dozens): the subquery
    # hands the ids over in ascending order, and each is locked as it arrives.
    conn.execute(_LOCK_ALL, {"kind": _ACCOUNT_LOCKS, "ids": sorted(wanted)})
    held.update(wanted)


_LOCK_ALL = sa.text(
    "SELECT pg_advisory_xact_lock(:kind, id) "
    "FROM (SELECT unnest(CAST(:ids AS integer[])) AS id ORDER BY id) AS ordered")


_ACCOUNTS_NAMED = f"SELECT {', '.join(_ACCOUNT_COLUMNS)} FROM accounts WHERE handle_key IN"

def accounts_named(conn: sa.Connection, handles: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The accounts with these handles (those that exist), by lower-cased handle."""
    found = [dict(zip(_ACCOUNT_COLUMNS, row, strict=True))
             for row in _rows_in(conn, _ACCOUNTS_NAMED, [h.lower() for h in handles])]
    return {account["handle_key"]: account for account in found}

_COUNT_COLUMNS = ("strikes", "reporters", "blocks", "replies")

_COUNTS = Sql("""
SELECT
  (SELECT COUNT(*) FROM strikes WHERE account_id = :a AND removed_at IS NULL
     AND expires_at > :now),
  (SELECT COUNT(DISTINCT reporter_id) FROM reports WHERE account_id = :a),
  (SELECT COUNT(*) FROM blocks WHERE blocked_id = :a),
  (SELECT COUNT(*) FROM conversations WHERE started_by = :a AND state = 'accepted')
""")

def standing_counts(conn: sa.Connection, account: int, now: float) -> dict[str, int]:
    """The counts behind reputation, in one round trip."""
    row = run(conn, _COUNTS, {"a": account, "now": now}).fetchone()
    return {k: int(v or 0) for k, v in zip(_COUNT_COLUMNS, row, strict=True)}
