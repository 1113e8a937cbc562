"""The live stream's events: one writer, so every stream's order is the order things happened.

Whatever a transaction adds to streams (a message, a request, a standing
change after a strike) is appended to that transaction's list with `add` and
written in that order by `flush`, once, just before the commit (the unit of
work calls it). So a strike recorded between two messages of one batch sits
between them on the stream, whichever front end sent them.
"""

from __future__ import annotations

from typing import Any

import orjson
import sqlalchemy as sa

from sendable.store.accounts import lock_accounts
from sendable.store.driver import Sql, dump_json, run
from sendable.store.schema import events

PENDING = "sendable.pending_events"  # conn.info key: this transaction's events, in order
WOKEN = "sendable.event_accounts"  # conn.info key: accounts with new events, once flushed


def add(conn: sa.Connection, account: int, at: float, kind: str,
        payload: dict[str, Any] | str) -> None:
    """Append to an account's stream when this transaction commits; the payload is a dict,
    or JSON text already dumped."""
    conn.info.setdefault(PENDING, []).append(
        {"account_id": account, "at": at, "kind": kind, "payload": payload})


def flush(conn: sa.Connection) -> None:
    """Write this transaction's events in the order they were added, and remember whose
    streams to wake once it commits. On PostgreSQL their accounts are locked first, so
    each account's events commit in id order (a stream's cursor never skips one)."""
    rows = conn.info.pop(PENDING, None)
    if not rows:
        return
    accounts = {r["account_id"] for r in rows}
    lock_accounts(conn, *accounts)
    for start in range(0, len(rows), _MAX_EVENTS):
        chunk = rows[start : start + _MAX_EVENTS]
        sql, names = _insert_sql(len(chunk))
        params: dict[str, Any] = {}
        for (account_id, at, kind, payload), r in zip(names, chunk, strict=True):
            params[account_id] = r["account_id"]
            params[at] = r["at"]
            params[kind] = r["kind"]
            params[payload] = (r["payload"] if isinstance(r["payload"], str)
                               else dump_json(r["payload"]))
        run(conn, sql, params)
    conn.info.setdefault(WOKEN, set()).update(accounts)


def discard(conn: sa.Connection) -> None:
    """Forget what a rolled-back transaction added."""
    conn.info.pop(PENDING, None)
    conn.info.pop(WOKEN, None)


def pending_count(conn: sa.Connection) -> int:
    """How many events this transaction has added so far (a savepoint's mark)."""
    return len(conn.info.get(PENDING, ()))


def forget_after(conn: sa.Connection, kept: int) -> None:
    """Forget the events added after the first `kept` (a savepoint rolled back)."""
    del conn.info.get(PENDING, [])[kept:]


def woken(conn: sa.Connection) -> set[int]:
    """The accounts whose streams the committed transaction added to."""
    return conn.info.pop(WOKEN, None) or set()


_MAX_EVENTS = 128  # rows per statement (a batch of sends adds up to two a message)
# INSERT ... VALUES (...), (...) for n rows: one statement per event batch.
_INSERT_SQL: dict[int, tuple[Sql, list[tuple[str, str, str, str]]]] = {}


def _insert_sql(n: int) -> tuple[Sql, list[tuple[str, str, str, str]]]:
    """The statement for n events, and each row's parameter names."""
    found = _INSERT_SQL.get(n)
    if found is None:
        names = [(f"account_id{i}", f"at{i}", f"kind{i}", f"payload{i}") for i in range(n)]
        values = ", ".join("(" + ", ".join(":" + name for name in row) + ")" for row in names)
        found = _INSERT_SQL[n] = (Sql("INSERT INTO events (account_id, at, kind, payload) "
                                      f"VALUES {values}"), names)
    return found


_EVENTS_AFTER = Sql("SELECT id, kind, at, payload FROM events "
                    "WHERE account_id = :account AND id > :after ORDER BY id LIMIT :limit")


def after(conn: sa.Connection, account: int, cursor: int, limit: int) -> list[dict]:
    """One account's stream after a cursor, in id order; payloads parsed."""
    rows = run(conn, _EVENTS_AFTER, {"account": account, "after": cursor, "limit": limit})
    return [{"id": id_, "kind": kind, "at": at,
             "payload": orjson.loads(payload) if isinstance(payload, str) else payload}
            for id_, kind, at, payload in rows.fetchall()]


def latest_id(conn: sa.Connection, account: int) -> int:
    q = sa.select(sa.func.max(events.c.id)).where(events.c.account_id == account)
    return int(conn.execute(q).scalar() or 0)
