"""Refused attempts kept for their appeal: private to their sender and moderators."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from sendable.store.driver import Row
from sendable.store.schema import group_messages, messages, refused_attempts


def insert_attempt(conn: sa.Connection, **values: Any) -> int:
    return conn.execute(sa.insert(refused_attempts).values(**values)).inserted_primary_key[0]


def attempt_by_id(conn: sa.Connection, attempt_id: int) -> Row | None:
    found = conn.execute(sa.select(refused_attempts)
                         .where(refused_attempts.c.id == attempt_id)).mappings().first()
    return dict(found) if found else None


def attempt_for_client_id(conn: sa.Connection, sender: int, client_msg_id: str) -> int | None:
    """The attempt an earlier try of the same send kept, if any (a retry reuses it)."""
    return conn.execute(sa.select(refused_attempts.c.id).where(
        refused_attempts.c.sender_id == sender,
        refused_attempts.c.client_msg_id == client_msg_id)).scalar()


def attempts_of(conn: sa.Connection, sender: int, since: float) -> list[Row]:
    """A sender's refused attempts since a time, newest first."""
    q = (sa.select(refused_attempts)
         .where(refused_attempts.c.sender_id == sender, refused_attempts.c.created_at >= since)
         .order_by(refused_attempts.c.created_at.desc(), refused_attempts.c.id.desc()))
    return [dict(r) for r in conn.execute(q).mappings()]


def update_attempt(conn: sa.Connection, attempt_id: int, **values: Any) -> None:
    conn.execute(sa.update(refused_attempts).where(refused_attempts.c.id == attempt_id)
                 .values(**values))


def held_of(conn: sa.Connection, sender: int) -> list[Row]:
    """A sender's messages still held for review, newest first (what they may appeal)."""
    q = (sa.select(messages).where(messages.c.sender_id == sender, messages.c.outcome == "held",
                                   messages.c.visible.is_(False))
         .order_by(messages.c.sent_at.desc(), messages.c.id.desc()))
    return [dict(r) for r in conn.execute(q).mappings()]


def held_group_messages_of(conn: sa.Connection, sender: int) -> list[Row]:
    """A sender's group messages still held for review, newest first."""
    q = (sa.select(group_messages)
         .where(group_messages.c.sender_id == sender, group_messages.c.outcome == "held",
                group_messages.c.visible.is_(False))
         .order_by(group_messages.c.sent_at.desc(), group_messages.c.id.desc()))
    return [dict(r) for r in conn.execute(q).mappings()]


def release_group_message(conn: sa.Connection, message_id: int) -> None:
    """A held group message becomes visible to the group."""
    conn.execute(sa.update(group_messages).where(group_messages.c.id == message_id)
                 .values(visible=True))


def recent_attempts(conn: sa.Connection, sender: int, since: float) -> list[Row]:
    """id, text, recipient_id and group_id of a sender's refused attempts since a time,
    newest first."""
    q = (sa.select(refused_attempts.c.id, refused_attempts.c.text,
                   refused_attempts.c.recipient_id, refused_attempts.c.group_id)
         .where(refused_attempts.c.sender_id == sender, refused_attempts.c.created_at >= since)
         .order_by(refused_attempts.c.id.desc()))
    return [dict(r) for r in conn.execute(q).mappings()]
