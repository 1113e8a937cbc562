"""Read cursors: how far an account has read its conversations, and what is unread.

A message is unread for its recipient while it is visible (not held) and its seq
is past the recipient's cursor in that conversation. Counting starts from the
account's conversations (indexed by either side) and reads only the messages past
each cursor (the (conversation_id, seq) index), so an account whose conversations
are all read costs one index probe each.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from sendable.store.schema import conversations, messages, read_cursors


def read_seq(conn: sa.Connection, account: int, conversation_id: int) -> int:
    q = sa.select(read_cursors.c.seq).where(read_cursors.c.account_id == account,
                                            read_cursors.c.conversation_id == conversation_id)
    return int(conn.execute(q).scalar() or 0)


def mark_read(conn: sa.Connection, account: int, conversation_id: int, seq: int,
              now: float) -> int:
    """Move the cursor forward to `seq` (never back); the cursor as it now stands."""
    current = conn.execute(
        sa.select(read_cursors.c.seq).where(read_cursors.c.account_id == account,
                                            read_cursors.c.conversation_id == conversation_id)
    ).scalar()
    if current is None:
        conn.execute(sa.insert(read_cursors).values(account_id=account,
                                                    conversation_id=conversation_id,
                                                    seq=seq, read_at=now))
        return seq
    if seq > current:
        conn.execute(sa.update(read_cursors)
                     .where(read_cursors.c.account_id == account,
                            read_cursors.c.conversation_id == conversation_id,
                            read_cursors.c.seq < seq)
                     .values(seq=seq, read_at=now))
        return seq
    return int(current)


def unread_by_conversation(conn: sa.Connection, account: int) -> list[dict[str, Any]]:
    """[{conversation_id, state, started_by, unread}] for each conversation of `account`
    with at least one unread message."""
    cursor = sa.func.coalesce(read_cursors.c.seq, 0)
    q = (sa.select(conversations.c.id.label("conversation_id"), conversations.c.state,
                   conversations.c.started_by, sa.func.count(messages.c.id).label("unread"))
         .select_from(conversations)
         .outerjoin(read_cursors, sa.and_(read_cursors.c.conversation_id == conversations.c.id,
                                          read_cursors.c.account_id == account))
         .join(messages, sa.and_(messages.c.conversation_id == conversations.c.id,
                                 messages.c.seq > cursor,
                                 messages.c.recipient_id == account,
                                 messages.c.visible.is_(True)))
         .where(sa.or_(conversations.c.low_id == account, conversations.c.high_id == account),
                conversations.c.last_seq > cursor)
         .group_by(conversations.c.id, conversations.c.state, conversations.c.started_by))
    return [dict(r) for r in conn.execute(q).mappings()]
