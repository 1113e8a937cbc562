"""Conversations and messages, and how two accounts stand (the send path's reads)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from sendable.store.driver import Row, Sql, _columns, _rows_in, dump_json, run
from sendable.store.enforcement import _ACTIVE_BANS_WHERE, active_bans
from sendable.store.schema import conversations, messages

_MESSAGE_COLUMNS = _columns(messages)

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

_PAIR = Sql(_PAIR_SELECT + _PAIR_FROM)

_PAIR_BANNED = Sql(_PAIR_SELECT + f""",
  EXISTS (SELECT 1 FROM bans WHERE {_ACTIVE_BANS_WHERE})""" + _PAIR_FROM)

_INSERT_CONVERSATION = Sql("""
INSERT INTO conversations
  (low_id, high_id, started_by, state, created_at, updated_at, last_seq, request_count)
VALUES (:low, :high, :started_by, 'requested', :at, :at, 0, 0) RETURNING id
""")

_UPDATE_CONVERSATION = Sql(
    "UPDATE conversations SET last_seq = :seq, updated_at = :now, "
    "request_count = :request_count, state = :state WHERE id = :id")

# A new message is never confirmed held: a moderator sets confirmed_at later (0016).
_INSERTED_MESSAGE = tuple(c for c in _MESSAGE_COLUMNS if c not in ("id", "confirmed_at"))

_INSERT_MESSAGE = Sql(f"INSERT INTO messages ({', '.join(_INSERTED_MESSAGE)}) "
                      f"VALUES ({', '.join(':' + c for c in _INSERTED_MESSAGE)}) RETURNING id")

_BY_CLIENT_ID = Sql(f"SELECT {', '.join(_MESSAGE_COLUMNS)} FROM messages "
                    "WHERE sender_id = :sender AND client_msg_id = :cid")

_MESSAGE_TEXTS = "SELECT id, text FROM messages WHERE id IN"

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
    """Store a message: `values` has every column but the id and confirmed_at (reasons
    as a list or None)."""
    params = {c: values[c] for c in _INSERTED_MESSAGE}
    if params["reasons"] is not None:
        params["reasons"] = dump_json(params["reasons"])
    return run(conn, _INSERT_MESSAGE, params).fetchall()[0][0]


def conversation_between(conn: sa.Connection, a: int, b: int) -> Row | None:
    low, high = min(a, b), max(a, b)
    q = sa.select(conversations).where(conversations.c.low_id == low,
                                       conversations.c.high_id == high)
    found = conn.execute(q).mappings().first()
    return dict(found) if found else None

def conversation_by_id(conn: sa.Connection, conversation_id: int) -> Row | None:
    q = sa.select(conversations).where(conversations.c.id == conversation_id)
    found = conn.execute(q).mappings().first()
    return dict(found) if found else None

def update_conversation(conn: sa.Connection, conversation_id: int, **values: Any) -> None:
    conn.execute(sa.update(conversations).where(conversations.c.id == conversation_id)
                 .values(**values))

def message_by_id(conn: sa.Connection, message_id: int) -> Row | None:
    found = conn.execute(sa.select(messages).where(messages.c.id == message_id)).mappings().first()
    return dict(found) if found else None

def conversations_of(conn: sa.Connection, account: int) -> list[Row]:
    q = (sa.select(conversations)
         .where(sa.or_(conversations.c.low_id == account, conversations.c.high_id == account))
         .order_by(conversations.c.updated_at.desc(), conversations.c.id.desc()))
    return [dict(r) for r in conn.execute(q).mappings()]

def messages_in(conn: sa.Connection, conversation_id: int, after_seq: int, limit: int,
                viewer: int | None = None) -> list[Row]:
    q = sa.select(messages).where(messages.c.conversation_id == conversation_id,
                                  messages.c.seq > after_seq)
    if viewer is not None:  # a held message is seen by its sender only
        q = q.where(sa.or_(messages.c.visible.is_(True), messages.c.sender_id == viewer))
    q = q.order_by(messages.c.seq).limit(limit)
    return [dict(r) for r in conn.execute(q).mappings()]

def messages_before(conn: sa.Connection, conversation_id: int, before_seq: int, limit: int,
                    viewer: int) -> list[Row]:
    """The newest `limit` messages before `before_seq` that `viewer` may see, oldest first
    (a page of earlier history, read backwards on the (conversation_id, seq) index)."""
    q = (sa.select(messages).where(messages.c.conversation_id == conversation_id,
                                   messages.c.seq < before_seq,
                                   sa.or_(messages.c.visible.is_(True),
                                          messages.c.sender_id == viewer))
         .order_by(messages.c.seq.desc()).limit(limit))
    return [dict(r) for r in reversed(conn.execute(q).mappings().all())]

def last_message(conn: sa.Connection, conversation_id: int, viewer: int) -> Row | None:
    q = (sa.select(messages).where(messages.c.conversation_id == conversation_id,
                                   sa.or_(messages.c.visible.is_(True),
                                          messages.c.sender_id == viewer))
         .order_by(messages.c.seq.desc()).limit(1))
    found = conn.execute(q).mappings().first()
    return dict(found) if found else None

def recent_messages_of(conn: sa.Connection, since: float) -> list[Row]:
    """Stored messages since a time, oldest first (to warm the counters)."""
    q = (sa.select(messages.c.id, messages.c.sender_id, messages.c.recipient_id,
                   messages.c.sent_at, messages.c.stranger, messages.c.new_conversation,
                   messages.c.fingerprint)
         .where(messages.c.sent_at > since).order_by(messages.c.sent_at, messages.c.id))
    return [dict(r) for r in conn.execute(q).mappings()]

def release_message(conn: sa.Connection, message_id: int, now: float, actor: int | None) -> None:
    """A held message becomes visible to its recipient."""
    conn.execute(sa.update(messages).where(messages.c.id == message_id)
                 .values(visible=True, released_at=now, released_by=actor))
