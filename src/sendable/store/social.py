"""Follows and blocks."""

from __future__ import annotations

import sqlalchemy as sa

from sendable.store import shown_follows
from sendable.store.driver import Row
from sendable.store.schema import accounts, blocks, follows


def follow_row(conn: sa.Connection, follower: int, followee: int) -> Row | None:
    q = sa.select(follows).where(follows.c.follower_id == follower,
                                 follows.c.followee_id == followee)
    found = conn.execute(q).mappings().first()
    return dict(found) if found else None

def put_follow(conn: sa.Connection, follower: int, followee: int, approved: bool,
               at: float) -> None:
    if follow_row(conn, follower, followee):
        conn.execute(sa.update(follows).where(
            follows.c.follower_id == follower, follows.c.followee_id == followee,
        ).values(approved=approved))
    else:
        conn.execute(sa.insert(follows).values(follower_id=follower, followee_id=followee,
                                               approved=approved, created_at=at))

def delete_follow(conn: sa.Connection, follower: int, followee: int) -> bool:
    result = conn.execute(sa.delete(follows).where(follows.c.follower_id == follower,
                                                   follows.c.followee_id == followee))
    return result.rowcount > 0

def pending_followers(conn: sa.Connection, followee: int) -> list[Row]:
    q = (sa.select(accounts.c.handle, follows.c.created_at)
         .join(accounts, accounts.c.id == follows.c.follower_id)
         .where(follows.c.followee_id == followee, follows.c.approved.is_(False))
         .order_by(follows.c.created_at))
    return [dict(r) for r in conn.execute(q).mappings()]

def is_blocked(conn: sa.Connection, blocker: int, blocked: int) -> bool:
    q = sa.select(blocks.c.blocker_id).where(blocks.c.blocker_id == blocker,
                                             blocks.c.blocked_id == blocked)
    return conn.execute(q).first() is not None

def put_block(conn: sa.Connection, blocker: int, blocked: int, at: float) -> None:
    if not is_blocked(conn, blocker, blocked):
        conn.execute(sa.insert(blocks).values(blocker_id=blocker, blocked_id=blocked,
                                              created_at=at))

def delete_block(conn: sa.Connection, blocker: int, blocked: int) -> bool:
    result = conn.execute(sa.delete(blocks).where(blocks.c.blocker_id == blocker,
                                                  blocks.c.blocked_id == blocked))
    return result.rowcount > 0

def blocked_handles(conn: sa.Connection, blocker: int) -> list[str]:
    q = (sa.select(accounts.c.handle).join(blocks, blocks.c.blocked_id == accounts.c.id)
         .where(blocks.c.blocker_id == blocker).order_by(accounts.c.handle))
    return [r.handle for r in conn.execute(q)]


def approve_waiting_follows(conn: sa.Connection, followee: int) -> None:
    """Every follow request to `followee` becomes a follow (the account went public)."""
    conn.execute(sa.update(follows).where(follows.c.followee_id == followee)
                 .values(approved=True))
    shown_follows.accept_waiting(conn, followee)
