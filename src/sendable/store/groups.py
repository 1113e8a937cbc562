"""Groups: the group rows, members and pending entries, group messages, forwards."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from sendable.store.driver import Row, Sql, dump_json, run
from sendable.store.schema import (
    blocks,
    follows,
    group_members,
    group_messages,
    group_reports,
    groups,
    messages,
)


def _one(conn: sa.Connection, query: Any) -> Row | None:
    found = conn.execute(query).mappings().first()
    return dict(found) if found else None


# -- groups ------------------------------------------------------------------------

def create_group(conn: sa.Connection, name: str, owner: int, now: float,
                 owner_teen: bool) -> int:
    result = conn.execute(sa.insert(groups).values(
        name=name, owner_id=owner, created_by=owner, created_at=now,
        owner_teen_at_creation=owner_teen, last_seq=0))
    return result.inserted_primary_key[0]

def group_by_id(conn: sa.Connection, group_id: int) -> Row | None:
    return _one(conn, sa.select(groups).where(groups.c.id == group_id))

def group_by_link(conn: sa.Connection, token: str) -> Row | None:
    return _one(conn, sa.select(groups).where(groups.c.link_token == token))

def update_group(conn: sa.Connection, group_id: int, **values: Any) -> None:
    conn.execute(sa.update(groups).where(groups.c.id == group_id).values(**values))

def groups_created_since(conn: sa.Connection, account: int, since: float) -> list[float]:
    """When an account made groups, from `since` on, ascending."""
    q = (sa.select(groups.c.created_at)
         .where(groups.c.created_by == account, groups.c.created_at > since)
         .order_by(groups.c.created_at))
    return [r[0] for r in conn.execute(q)]

def all_groups(conn: sa.Connection) -> list[Row]:
    return [dict(r) for r in conn.execute(sa.select(groups).order_by(groups.c.id)).mappings()]


# -- members and pending entries -----------------------------------------------------

def put_entry(conn: sa.Connection, group_id: int, account: int, added_by: int | None,
              now: float, accepted: bool, approved: bool) -> None:
    conn.execute(sa.insert(group_members).values(
        group_id=group_id, account_id=account, added_by=added_by, added_at=now,
        accepted=accepted, approved=approved,
        joined_at=now if accepted and approved else None, muted=False))

def entry(conn: sa.Connection, group_id: int, account: int) -> Row | None:
    return _one(conn, sa.select(group_members).where(group_members.c.group_id == group_id,
                                                     group_members.c.account_id == account))

def entries(conn: sa.Connection, group_id: int) -> list[Row]:
    """Every member and pending entry; members first, in the order they joined."""
    q = (sa.select(group_members).where(group_members.c.group_id == group_id)
         .order_by(group_members.c.joined_at.is_(None), group_members.c.joined_at,
                   group_members.c.added_at, group_members.c.account_id))
    return [dict(r) for r in conn.execute(q).mappings()]

def update_entry(conn: sa.Connection, group_id: int, account: int, **values: Any) -> None:
    conn.execute(sa.update(group_members).where(
        group_members.c.group_id == group_id, group_members.c.account_id == account,
    ).values(**values))

def delete_entry(conn: sa.Connection, group_id: int, account: int) -> bool:
    result = conn.execute(sa.delete(group_members).where(
        group_members.c.group_id == group_id, group_members.c.account_id == account))
    return result.rowcount > 0

def groups_of(conn: sa.Connection, account: int) -> list[Row]:
    """The groups an account is in or invited to, with its entry's columns."""
    q = (sa.select(groups, group_members.c.accepted, group_members.c.approved,
                   group_members.c.muted, group_members.c.joined_at)
         .join(group_members, group_members.c.group_id == groups.c.id)
         .where(group_members.c.account_id == account)
         .order_by(groups.c.id.desc()))
    return [dict(r) for r in conn.execute(q).mappings()]


# -- relations inside a group -----------------------------------------------------

def followers_among(conn: sa.Connection, followee: int, among: Iterable[int]) -> set[int]:
    """Which of `among` follow `followee` (approved follows)."""
    ids = list(among)
    if not ids:
        return set()
    q = sa.select(follows.c.follower_id).where(
        follows.c.followee_id == followee, follows.c.approved.is_(True),
        follows.c.follower_id.in_(ids))
    return {r[0] for r in conn.execute(q)}

def followed_by(conn: sa.Connection, follower: int, among: Iterable[int]) -> set[int]:
    """Which of `among` `follower` follows (approved follows)."""
    ids = list(among)
    if not ids:
        return set()
    q = sa.select(follows.c.followee_id).where(
        follows.c.follower_id == follower, follows.c.approved.is_(True),
        follows.c.followee_id.in_(ids))
    return {r[0] for r in conn.execute(q)}

def blockers_of(conn: sa.Connection, blocked: int, among: Iterable[int]) -> set[int]:
    """Which of `among` blocked `blocked`."""
    ids = list(among)
    if not ids:
        return set()
    q = sa.select(blocks.c.blocker_id).where(blocks.c.blocked_id == blocked,
                                             blocks.c.blocker_id.in_(ids))
    return {r[0] for r in conn.execute(q)}

_BLOCKED_HANDLES = Sql("SELECT a.handle FROM blocks AS b JOIN accounts AS a "
                      "ON a.id = b.blocked_id WHERE b.blocker_id = :blocker")


def blocked_handles(conn: sa.Connection, blocker: int) -> set[str]:
    """The handles `blocker` blocked."""
    return {r[0] for r in run(conn, _BLOCKED_HANDLES, {"blocker": blocker}).fetchall()}

def blocked_by(conn: sa.Connection, blocker: int) -> set[int]:
    q = sa.select(blocks.c.blocked_id).where(blocks.c.blocker_id == blocker)
    return {r[0] for r in conn.execute(q)}


# -- group messages ------------------------------------------------------------------

# The send path's statements run on the driver (store/driver.py): a group message
# costs one read of the group, one of its members (with who follows and who blocked
# the sender), and two writes.
_GROUP_FOR_SEND = Sql("SELECT id, name, owner_id, closed_at FROM groups WHERE id = :g")
_MEMBERS_FOR_SEND = Sql("""
SELECT m.account_id, m.accepted, m.approved, m.muted,
  EXISTS (SELECT 1 FROM follows AS f WHERE f.follower_id = m.account_id
          AND f.followee_id = :sender AND f.approved) AS follows_sender,
  EXISTS (SELECT 1 FROM blocks AS b WHERE b.blocker_id = m.account_id
          AND b.blocked_id = :sender) AS blocks_sender
FROM group_members AS m WHERE m.group_id = :g
""")
_MEMBER_COLUMNS = ("account_id", "accepted", "approved", "muted", "follows_sender",
                   "blocks_sender")
_NEXT_SEQ = Sql("UPDATE groups SET last_seq = last_seq + 1 WHERE id = :g RETURNING last_seq")
_STORED = ("group_id", "seq", "sender_id", "text", "outcome", "visible", "sent_at",
           "client_msg_id", "stranger", "fingerprint", "reasons", "forwarded_from")
_INSERT_GROUP_MESSAGE = Sql(f"INSERT INTO group_messages ({', '.join(_STORED)}) "
                            f"VALUES ({', '.join(':' + c for c in _STORED)}) RETURNING id")
_GROUP_MESSAGE_BY_CLIENT_ID = Sql(
    f"SELECT id, {', '.join(_STORED)} FROM group_messages "
    "WHERE sender_id = :sender AND client_msg_id = :cid")


def group_for_send(conn: sa.Connection, group_id: int) -> Row | None:
    """The group's id, name, owner_id and closed_at."""
    row = run(conn, _GROUP_FOR_SEND, {"g": group_id}).fetchone()
    return dict(zip(("id", "name", "owner_id", "closed_at"), row, strict=True)) if row else None


def members_for_send(conn: sa.Connection, group_id: int, sender: int) -> list[Row]:
    """Every entry of the group (members and pending) with accepted, approved, muted,
    and whether that account follows the sender (approved) or blocked them."""
    rows = run(conn, _MEMBERS_FOR_SEND, {"g": group_id, "sender": sender}).fetchall()
    return [{k: (v if k == "account_id" else bool(v))
             for k, v in zip(_MEMBER_COLUMNS, row, strict=True)} for row in rows]


def insert_group_message(conn: sa.Connection, values: dict[str, Any]) -> dict[str, Any]:
    """Store a group message at the group's next seq; returns it with id and seq
    (`values`: every stored column but seq; reasons as a list or None)."""
    seq = run(conn, _NEXT_SEQ, {"g": values["group_id"]}).fetchall()[0][0]
    row = {**values, "seq": seq}
    params = {c: row[c] for c in _STORED}
    if params["reasons"] is not None:
        params["reasons"] = dump_json(params["reasons"])
    row["id"] = run(conn, _INSERT_GROUP_MESSAGE, params).fetchall()[0][0]
    return row

def group_message_by_id(conn: sa.Connection, message_id: int) -> Row | None:
    return _one(conn, sa.select(group_messages).where(group_messages.c.id == message_id))

def group_message_by_client_id(conn: sa.Connection, sender: int,
                               client_msg_id: str) -> Row | None:
    row = run(conn, _GROUP_MESSAGE_BY_CLIENT_ID, {"sender": sender, "cid": client_msg_id}
              ).fetchone()
    if row is None:
        return None
    found = dict(zip(("id", *_STORED), row, strict=True))
    if isinstance(found["reasons"], str):  # SQLite hands JSON back as text
        found["reasons"] = json.loads(found["reasons"])
    return found

def group_messages_in(conn: sa.Connection, group_id: int, after_seq: int = 0,
                      limit: int = 200) -> list[Row]:
    q = (sa.select(group_messages)
         .where(group_messages.c.group_id == group_id, group_messages.c.seq > after_seq)
         .order_by(group_messages.c.seq).limit(limit))
    return [dict(r) for r in conn.execute(q).mappings()]

def recent_group_messages(conn: sa.Connection, since: float) -> list[Row]:
    """Stored group messages since a time, oldest first (to refill the windows)."""
    q = (sa.select(group_messages.c.id, group_messages.c.group_id, group_messages.c.sender_id,
                   group_messages.c.sent_at, group_messages.c.stranger,
                   group_messages.c.fingerprint)
         .where(group_messages.c.sent_at > since).order_by(group_messages.c.id))
    return [dict(r) for r in conn.execute(q).mappings()]

def forwards_of(conn: sa.Connection, sender: int, source: str) -> int:
    """How many chats `sender` has forwarded the message `source` to."""
    direct = sa.select(sa.func.count()).select_from(messages).where(
        messages.c.sender_id == sender, messages.c.forwarded_from == source)
    grouped = sa.select(sa.func.count()).select_from(group_messages).where(
        group_messages.c.sender_id == sender, group_messages.c.forwarded_from == source)
    return conn.execute(direct).scalar_one() + conn.execute(grouped).scalar_one()


# -- reports of a group --------------------------------------------------------------

def insert_group_report(conn: sa.Connection, group_id: int, reporter: int, reason: str,
                        now: float) -> int:
    result = conn.execute(sa.insert(group_reports).values(
        group_id=group_id, reporter_id=reporter, reason=reason, created_at=now))
    return result.inserted_primary_key[0]

def reports_of_group(conn: sa.Connection, group_id: int) -> list[Row]:
    q = (sa.select(group_reports).where(group_reports.c.group_id == group_id)
         .order_by(group_reports.c.id))
    return [dict(r) for r in conn.execute(q).mappings()]
