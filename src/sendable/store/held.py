"""Held messages awaiting a moderator, direct and in groups, and the confirmation that
keeps one held (it then leaves the review queue; its sender may still appeal it)."""

from __future__ import annotations

import sqlalchemy as sa

from sendable.store.driver import Row
from sendable.store.schema import group_messages, messages


def _awaiting(table: sa.Table) -> sa.Select:
    return (sa.select(table)
            .where(table.c.outcome == "held", table.c.visible.is_(False),
                   table.c.confirmed_at.is_(None))
            .order_by(table.c.sent_at, table.c.id))


def held_messages(conn: sa.Connection) -> list[Row]:
    """Direct messages held and not yet decided (released or confirmed), oldest first."""
    return [dict(r) for r in conn.execute(_awaiting(messages)).mappings()]


def held_group_messages(conn: sa.Connection) -> list[Row]:
    """Group messages held and not yet decided, oldest first."""
    return [dict(r) for r in conn.execute(_awaiting(group_messages)).mappings()]


def confirm_message(conn: sa.Connection, message_id: int, now: float) -> None:
    """A moderator kept a held direct message held."""
    conn.execute(sa.update(messages).where(messages.c.id == message_id)
                 .values(confirmed_at=now))


def confirm_group_message(conn: sa.Connection, message_id: int, now: float) -> None:
    """A moderator kept a held group message held."""
    conn.execute(sa.update(group_messages).where(group_messages.c.id == message_id)
                 .values(confirmed_at=now))
