"""The send path's queries, built once and kept: statement construction costs
more than SQLite's execution, and a send runs these on every attempt."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from sendable.store.schema import accounts, conversations, events, messages

# Two fixed parameters rather than an expanding IN list, which recompiles per call.
_ACCOUNTS = sa.select(accounts).where(sa.or_(accounts.c.handle_key == sa.bindparam("a"),
                                             accounts.c.handle_key == sa.bindparam("b")))

# Follows and blocks both ways, and the conversation, for one ordered pair (a -> b).
_PAIR = sa.text("""
SELECT
  EXISTS (SELECT 1 FROM follows WHERE follower_id = :a AND followee_id = :b AND approved)
    AS a_follows,
  EXISTS (SELECT 1 FROM follows WHERE follower_id = :a AND followee_id = :b AND NOT approved)
    AS a_follow_pending,
  EXISTS (SELECT 1 FROM follows WHERE follower_id = :b AND followee_id = :a AND approved)
    AS b_follows,
  EXISTS (SELECT 1 FROM blocks WHERE blocker_id = :a AND blocked_id = :b) AS a_blocked,
  EXISTS (SELECT 1 FROM blocks WHERE blocker_id = :b AND blocked_id = :a) AS b_blocked,
  c.id AS conversation_id, c.state AS conversation_state, c.started_by AS started_by,
  c.request_count AS request_count, c.last_seq AS last_seq
FROM (SELECT 1 AS one) AS anchor
LEFT JOIN conversations AS c ON c.low_id = :low AND c.high_id = :high
""")

_BANS = sa.text("""
SELECT id, account_id, scope, until FROM bans
WHERE account_id IN (:a, :b) AND lifted_at IS NULL AND (until IS NULL OR until > :now)
""")

_COUNTS = sa.text("""
SELECT
  (SELECT COUNT(*) FROM strikes WHERE account_id = :a AND removed_at IS NULL
     AND expires_at > :now) AS strikes,
  (SELECT COUNT(DISTINCT reporter_id) FROM reports WHERE account_id = :a) AS reporters,
  (SELECT COUNT(*) FROM blocks WHERE blocked_id = :a) AS blocks,
  (SELECT COUNT(*) FROM conversations WHERE started_by = :a AND state = 'accepted') AS replies
""")

_INSERT_EVENT = sa.insert(events)
_INSERT_MESSAGE = sa.insert(messages)
_INSERT_CONVERSATION = sa.insert(conversations)
_UPDATE_CONVERSATION = sa.text(
    "UPDATE conversations SET last_seq = :seq, updated_at = :now, "
    "request_count = :request_count, state = :state WHERE id = :id")
_BY_CLIENT_ID = sa.select(messages).where(messages.c.sender_id == sa.bindparam("sender"),
                                          messages.c.client_msg_id == sa.bindparam("cid"))


def accounts_for(conn: sa.Connection, a: str, b: str) -> dict[str, dict[str, Any]]:
    """Two accounts by lower-cased handle, in one query."""
    rows = conn.execute(_ACCOUNTS, {"a": a.lower(), "b": b.lower()}).mappings()
    return {r["handle_key"]: dict(r) for r in rows}


def pair_state(conn: sa.Connection, a: int, b: int) -> dict[str, Any]:
    row = conn.execute(_PAIR, {"a": a, "b": b, "low": min(a, b), "high": max(a, b)})
    out = dict(row.mappings().one())
    for key in ("a_follows", "a_follow_pending", "b_follows", "a_blocked", "b_blocked"):
        out[key] = bool(out[key])
    return out


def active_bans(conn: sa.Connection, a: int, b: int, now: float) -> dict[int, dict[str, Any]]:
    """The ban in force for each of two accounts: the one that ends last (permanent first)."""
    chosen: dict[int, dict[str, Any]] = {}
    for row in conn.execute(_BANS, {"a": a, "b": b, "now": now}).mappings():
        current = chosen.get(row["account_id"])
        if current is None or _ends_later(row["until"], current["until"]):
            chosen[row["account_id"]] = dict(row)
    return chosen


def _ends_later(until: float | None, other: float | None) -> bool:
    if other is None:
        return False
    return until is None or until > other


def standing_counts(conn: sa.Connection, account: int, now: float) -> dict[str, int]:
    """The counts behind reputation, in one round trip."""
    row = conn.execute(_COUNTS, {"a": account, "now": now})
    return {k: int(v or 0) for k, v in row.mappings().one().items()}


def insert_events(conn: sa.Connection, rows: list[dict[str, Any]]) -> None:
    conn.execute(_INSERT_EVENT, rows)
    note_events(conn, {r["account_id"] for r in rows})


EVENT_ACCOUNTS = "sendable.event_accounts"  # conn.info key: accounts with new events


def note_events(conn: sa.Connection, accounts: set[int]) -> None:
    """Remember whose streams to wake once this transaction commits (Service._tx)."""
    conn.info.setdefault(EVENT_ACCOUNTS, set()).update(accounts)


def message_by_client_id(conn: sa.Connection, sender: int, client_msg_id: str) -> dict | None:
    found = conn.execute(_BY_CLIENT_ID, {"sender": sender, "cid": client_msg_id}).mappings()
    row = found.first()
    return dict(row) if row else None


def insert_conversation(conn: sa.Connection, a: int, b: int, started_by: int, at: float) -> int:
    return conn.execute(_INSERT_CONVERSATION, {
        "low_id": min(a, b), "high_id": max(a, b), "started_by": started_by,
        "state": "requested", "created_at": at, "updated_at": at, "last_seq": 0,
        "request_count": 0}).inserted_primary_key[0]


def advance_conversation(conn: sa.Connection, conversation_id: int, seq: int, now: float,
                         request_count: int, state: str) -> None:
    conn.execute(_UPDATE_CONVERSATION, {"id": conversation_id, "seq": seq, "now": now,
                                        "request_count": request_count, "state": state})


def insert_message(conn: sa.Connection, values: dict[str, Any]) -> int:
    return conn.execute(_INSERT_MESSAGE, values).inserted_primary_key[0]
