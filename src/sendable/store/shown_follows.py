"""Follows as the follower is shown them, where that is not the real follow.

A follow asked of an account that blocked the follower, and a follow request
that was declined, read to the follower as an unblocked, unanswered one would
(`following` or `pending`). These rows are read only for the follower's own view
of that follow (shell/social.py); no rule, relation or count reads them."""

from __future__ import annotations

import sqlalchemy as sa

from sendable.store.schema import shown_follows


def state(conn: sa.Connection, follower: int, followee: int) -> str | None:
    q = sa.select(shown_follows.c.state).where(shown_follows.c.follower_id == follower,
                                               shown_follows.c.followee_id == followee)
    found = conn.execute(q).first()
    return found.state if found else None


def put(conn: sa.Connection, follower: int, followee: int, state_: str, at: float) -> None:
    drop(conn, follower, followee)
    conn.execute(sa.insert(shown_follows).values(follower_id=follower, followee_id=followee,
                                                 state=state_, created_at=at))


def drop(conn: sa.Connection, follower: int, followee: int) -> bool:
    result = conn.execute(sa.delete(shown_follows).where(
        shown_follows.c.follower_id == follower, shown_follows.c.followee_id == followee))
    return result.rowcount > 0


def accept_waiting(conn: sa.Connection, followee: int) -> None:
    """The account went public: a follow shown as waiting now shows as following, as
    every real request to it does."""
    conn.execute(sa.update(shown_follows).where(shown_follows.c.followee_id == followee,
                                                shown_follows.c.state == "pending")
                 .values(state="following"))
