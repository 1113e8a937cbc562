"""The send path's queries, run straight on the driver's connection.

SQLAlchemy's Core execution costs several times what SQLite's own execution
does, and a send runs these on every attempt. So each statement is written
once as SQL text with `:name` parameters (SQLite's style) and translated once,
at import, to psycopg's `%(name)s`; it runs on the DBAPI connection under the
SQLAlchemy `Connection` it is given, inside that connection's transaction.
Rows come back as plain dicts of what the driver returns: on SQLite booleans
are 0/1 and dates ISO strings (callers use bool() and loading.account_facts).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

import orjson
import sqlalchemy as sa

from sendable.store.schema import accounts, messages


class Sql:
    """One statement in both parameter styles: `:name` (sqlite3) and `%(name)s` (psycopg)."""

    __slots__ = ("named", "pyformat")

    def __init__(self, text: str) -> None:
        self.named = text
        self.pyformat = re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", text.replace("%", "%%"))


def run(conn: sa.Connection, sql: Sql, params: dict[str, Any] | None = None) -> Any:
    """Execute on the DBAPI connection under `conn` (same transaction); the driver's cursor."""
    raw = conn.connection.driver_connection
    text = sql.pyformat if conn.dialect.name == "postgresql" else sql.named
    try:
        return raw.execute(text, params or {})  # type: ignore[union-attr]
    except conn.dialect.loaded_dbapi.Error as error:
        # As SQLAlchemy's own execution would: its exception classes (callers catch
        # sa.exc.IntegrityError), and a lost connection marked invalid so the next
        # transaction opens a new one.
        invalidated = conn.dialect.is_disconnect(error, raw, None)
        if invalidated:
            conn.invalidate(error)
        raise sa.exc.DBAPIError.instance(text, params, error, conn.dialect.loaded_dbapi.Error,
                                         connection_invalidated=invalidated,
                                         dialect=conn.dialect) from error


def _columns(table: sa.Table) -> tuple[str, ...]:
    return tuple(c.name for c in table.c)


_ACCOUNT_COLUMNS = _columns(accounts)
_MESSAGE_COLUMNS = _columns(messages)

# `... WHERE column IN (...)` with one statement text per list length, written once
# (n parameters, not an expanding list that SQLAlchemy would render per call).
# Lists are padded to a power of two, so a few texts serve every batch size.
_IN_SQL: dict[tuple[str, int], Sql] = {}
_MAX_IN = 256  # values per statement


def _rows_in(conn: sa.Connection, select: str, values: list[Any]) -> list[tuple]:
    """Rows of `select` (ending `IN`) for these values, distinct and any number of them."""
    rows: list[tuple] = []
    values = sorted(set(values))
    for start in range(0, len(values), _MAX_IN):
        chunk = values[start : start + _MAX_IN]
        chunk += chunk[-1:] * ((1 << (len(chunk) - 1).bit_length()) - len(chunk))
        sql = _IN_SQL.get((select, len(chunk)))
        if sql is None:
            names = ", ".join(f":v{i}" for i in range(len(chunk)))
            sql = _IN_SQL[(select, len(chunk))] = Sql(f"{select} ({names})")
        rows += run(conn, sql, {f"v{i}": v for i, v in enumerate(chunk)}).fetchall()
    return rows


# Follows and blocks both ways, and the conversation, for one ordered pair (a -> b);
# with `now`, also whether either account may have a ban in force (then read them).
_PAIR_COLUMNS = ("a_follows", "a_follow_pending", "b_follows", "a_blocked", "b_blocked",
                 "conversation_id", "conversation_state", "started_by", "request_count",
                 "last_seq")
_PAIR_SELECT = """
SELECT
  EXISTS (SELECT 1 FROM follows WHERE follower_id = :a AND followee_id = :b AND approved),
  EXISTS (SELECT 1 FROM follows WHERE follower_id = :a AND followee_id = :b AND NOT approved),
  EXISTS (SELECT 1 FROM follows WHERE follower_id = :b AND followee_id = :a AND approved),
  EXISTS (SELECT 1 FROM blocks WHERE blocker_id = :a AND blocked_id = :b),
  EXISTS (SELECT 1 FROM blocks WHERE blocker_id = :b AND blocked_id = :a),
  c.id, c.state, c.started_by, c.request_count, c.last_seq"""
_PAIR_FROM = """
FROM (SELECT 1 AS one) AS anchor
LEFT JOIN conversations AS c ON c.low_id = :low AND c.high_id = :high
"""
_ACTIVE_BANS_WHERE = ("account_id IN (:a, :b) AND lifted_at IS NULL "
                      "AND (until IS NULL OR until > :now)")
_PAIR = Sql(_PAIR_SELECT + _PAIR_FROM)
_PAIR_BANNED = Sql(_PAIR_SELECT + f""",
  EXISTS (SELECT 1 FROM bans WHERE {_ACTIVE_BANS_WHERE})""" + _PAIR_FROM)

_BAN_COLUMNS = ("id", "account_id", "scope", "until")
_BANS = Sql(f"SELECT id, account_id, scope, until FROM bans WHERE {_ACTIVE_BANS_WHERE}")

_COUNT_COLUMNS = ("strikes", "reporters", "blocks", "replies")
_COUNTS = Sql("""
SELECT
  (SELECT COUNT(*) FROM strikes WHERE account_id = :a AND removed_at IS NULL
     AND expires_at > :now),
  (SELECT COUNT(DISTINCT reporter_id) FROM reports WHERE account_id = :a),
  (SELECT COUNT(*) FROM blocks WHERE blocked_id = :a),
  (SELECT COUNT(*) FROM conversations WHERE started_by = :a AND state = 'accepted')
""")

_INSERT_CONVERSATION = Sql("""
INSERT INTO conversations
  (low_id, high_id, started_by, state, created_at, updated_at, last_seq, request_count)
VALUES (:low, :high, :started_by, 'requested', :at, :at, 0, 0) RETURNING id
""")
_UPDATE_CONVERSATION = Sql(
    "UPDATE conversations SET last_seq = :seq, updated_at = :now, "
    "request_count = :request_count, state = :state WHERE id = :id")
_INSERTED_MESSAGE = tuple(c for c in _MESSAGE_COLUMNS if c != "id")
_INSERT_MESSAGE = Sql(f"INSERT INTO messages ({', '.join(_INSERTED_MESSAGE)}) "
                      f"VALUES ({', '.join(':' + c for c in _INSERTED_MESSAGE)}) RETURNING id")
_BY_CLIENT_ID = Sql(f"SELECT {', '.join(_MESSAGE_COLUMNS)} FROM messages "
                    "WHERE sender_id = :sender AND client_msg_id = :cid")


_ACCOUNTS_NAMED = f"SELECT {', '.join(_ACCOUNT_COLUMNS)} FROM accounts WHERE handle_key IN"
_MESSAGE_TEXTS = "SELECT id, text FROM messages WHERE id IN"


def accounts_named(conn: sa.Connection, handles: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The accounts with these handles (those that exist), by lower-cased handle."""
    found = [dict(zip(_ACCOUNT_COLUMNS, row, strict=True))
             for row in _rows_in(conn, _ACCOUNTS_NAMED, [h.lower() for h in handles])]
    return {account["handle_key"]: account for account in found}


def message_texts(conn: sa.Connection, ids: Iterable[int]) -> dict[int, str]:
    """The texts of these stored messages, by id."""
    return dict(_rows_in(conn, _MESSAGE_TEXTS, list(ids)))


def pair_state(conn: sa.Connection, a: int, b: int, now: float | None = None) -> dict[str, Any]:
    """How a and b stand (see _PAIR_COLUMNS); given `now`, also "bans": the ban in force
    for each (active_bans), read only when the same query found there may be one."""
    low, high = (a, b) if a < b else (b, a)
    params = {"a": a, "b": b, "low": low, "high": high}
    if now is None:
        row = run(conn, _PAIR, params).fetchone()
    else:
        params["now"] = now
        row = run(conn, _PAIR_BANNED, params).fetchone()
    out = dict(zip(_PAIR_COLUMNS, row, strict=False))
    for key in _PAIR_COLUMNS[:5]:
        out[key] = bool(out[key])
    if now is not None:
        out["bans"] = active_bans(conn, a, b, now) if row[-1] else {}
    return out


def active_bans(conn: sa.Connection, a: int, b: int, now: float) -> dict[int, dict[str, Any]]:
    """The ban in force for each of two accounts: the one that ends last (permanent first)."""
    chosen: dict[int, dict[str, Any]] = {}
    for row in run(conn, _BANS, {"a": a, "b": b, "now": now}).fetchall():
        ban = dict(zip(_BAN_COLUMNS, row, strict=True))
        current = chosen.get(ban["account_id"])
        if current is None or _ends_later(ban["until"], current["until"]):
            chosen[ban["account_id"]] = ban
    return chosen


def _ends_later(until: float | None, other: float | None) -> bool:
    if other is None:
        return False
    return until is None or until > other


def standing_counts(conn: sa.Connection, account: int, now: float) -> dict[str, int]:
    """The counts behind reputation, in one round trip."""
    row = run(conn, _COUNTS, {"a": account, "now": now}).fetchone()
    return {k: int(v or 0) for k, v in zip(_COUNT_COLUMNS, row, strict=True)}


# INSERT ... VALUES (...), (...) for n rows: one statement per event batch.
_EVENTS_SQL: dict[int, tuple[Sql, list[tuple[str, str, str, str]]]] = {}


def _insert_events_sql(n: int) -> tuple[Sql, list[tuple[str, str, str, str]]]:
    """The statement for n events, and each row's parameter names."""
    found = _EVENTS_SQL.get(n)
    if found is None:
        names = [(f"account_id{i}", f"at{i}", f"kind{i}", f"payload{i}") for i in range(n)]
        values = ", ".join("(" + ", ".join(":" + name for name in row) + ")" for row in names)
        found = _EVENTS_SQL[n] = (Sql("INSERT INTO events (account_id, at, kind, payload) "
                                      f"VALUES {values}"), names)
    return found


def dump_json(value: Any) -> str:
    """JSON text for a JSON column (what SQLAlchemy would store, without its overhead)."""
    return orjson.dumps(value).decode()


_EVENTS_AFTER = Sql("SELECT id, kind, at, payload FROM events "
                    "WHERE account_id = :account AND id > :after ORDER BY id LIMIT :limit")


def events_after(conn: sa.Connection, account: int, after: int, limit: int) -> list[dict]:
    """One account's stream after a cursor, in id order; payloads parsed."""
    rows = run(conn, _EVENTS_AFTER, {"account": account, "after": after, "limit": limit})
    return [{"id": id_, "kind": kind, "at": at,
             "payload": orjson.loads(payload) if isinstance(payload, str) else payload}
            for id_, kind, at, payload in rows.fetchall()]


_MAX_EVENTS = 128  # rows per statement (a batch of sends adds up to two a message)


def insert_events(conn: sa.Connection, rows: list[dict[str, Any]]) -> None:
    """Append to streams, in order; each row's payload is a dict, or JSON text already dumped."""
    for start in range(0, len(rows), _MAX_EVENTS):
        chunk = rows[start : start + _MAX_EVENTS]
        sql, names = _insert_events_sql(len(chunk))
        params: dict[str, Any] = {}
        for (account_id, at, kind, payload), r in zip(names, chunk, strict=True):
            params[account_id] = r["account_id"]
            params[at] = r["at"]
            params[kind] = r["kind"]
            params[payload] = (r["payload"] if isinstance(r["payload"], str)
                               else dump_json(r["payload"]))
        run(conn, sql, params)
    if rows:
        note_events(conn, {r["account_id"] for r in rows})


EVENT_ACCOUNTS = "sendable.event_accounts"  # conn.info key: accounts with new events


def note_events(conn: sa.Connection, accounts: set[int]) -> None:
    """Remember whose streams to wake once this transaction commits (Service._tx)."""
    conn.info.setdefault(EVENT_ACCOUNTS, set()).update(accounts)


def message_by_client_id(conn: sa.Connection, sender: int, client_msg_id: str) -> dict | None:
    row = run(conn, _BY_CLIENT_ID, {"sender": sender, "cid": client_msg_id}).fetchone()
    if row is None:
        return None
    found = dict(zip(_MESSAGE_COLUMNS, row, strict=True))
    if isinstance(found["reasons"], str):  # SQLite hands JSON back as text
        found["reasons"] = json.loads(found["reasons"])
    return found


def insert_conversation(conn: sa.Connection, a: int, b: int, started_by: int, at: float) -> int:
    low, high = (a, b) if a < b else (b, a)
    return run(conn, _INSERT_CONVERSATION, {"low": low, "high": high, "started_by": started_by,
                                            "at": at}).fetchall()[0][0]


def advance_conversation(conn: sa.Connection, conversation_id: int, seq: int, now: float,
                         request_count: int, state: str) -> None:
    run(conn, _UPDATE_CONVERSATION, {"id": conversation_id, "seq": seq, "now": now,
                                     "request_count": request_count, "state": state})


def insert_message(conn: sa.Connection, values: dict[str, Any]) -> int:
    """Store a message: `values` has every column but the id (reasons as a list or None)."""
    params = {c: values[c] for c in _INSERTED_MESSAGE}
    if params["reasons"] is not None:
        params["reasons"] = dump_json(params["reasons"])
    return run(conn, _INSERT_MESSAGE, params).fetchall()[0][0]
