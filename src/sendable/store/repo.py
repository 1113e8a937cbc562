"""The queries the service runs. Plain functions over a connection, so that
the service decides where a transaction begins and ends."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from sendable.clock import to_iso
from sendable.store import hot
from sendable.store.schema import (
    accounts,
    appeals,
    audit_log,
    bans,
    blocks,
    conversations,
    events,
    follows,
    messages,
    reports,
    spam_model,
    strikes,
)

Row = Mapping[str, Any]


class Conflict(Exception):
    """A write that breaks a uniqueness rule (a taken handle, a second appeal)."""


# -- accounts ---------------------------------------------------------------

def insert_account(conn: sa.Connection, **values: Any) -> int:
    values["handle_key"] = values["handle"].lower()
    try:
        with conn.begin_nested():
            return conn.execute(sa.insert(accounts).values(**values)).inserted_primary_key[0]
    except sa.exc.IntegrityError:
        raise Conflict(f"the handle {values['handle']!r} is taken") from None


def account_by_handle(conn: sa.Connection, handle: str) -> Row | None:
    row = conn.execute(sa.select(accounts).where(accounts.c.handle_key == handle.lower()))
    found = row.mappings().first()
    return dict(found) if found else None


def account_by_id(conn: sa.Connection, account_id: int) -> Row | None:
    found = conn.execute(sa.select(accounts).where(accounts.c.id == account_id)).mappings().first()
    return dict(found) if found else None


def accounts_by_handles(conn: sa.Connection, handles: Iterable[str]) -> dict[str, Row]:
    keys = [h.lower() for h in handles]
    rows = conn.execute(sa.select(accounts).where(accounts.c.handle_key.in_(keys))).mappings()
    return {r["handle_key"]: dict(r) for r in rows}


def handles_by_ids(conn: sa.Connection, ids: Iterable[int]) -> dict[int, str]:
    ids = list(set(ids))
    if not ids:
        return {}
    rows = conn.execute(sa.select(accounts.c.id, accounts.c.handle).where(accounts.c.id.in_(ids)))
    return {r.id: r.handle for r in rows}


def update_account(conn: sa.Connection, account_id: int, **values: Any) -> None:
    conn.execute(sa.update(accounts).where(accounts.c.id == account_id).values(**values))


_ACCOUNT_LOCKS = 0x5E4D  # advisory lock class: "an account's sends"


def lock_accounts(conn: sa.Connection, *account_ids: int) -> None:
    """Serialise writers touching these accounts until the transaction ends.

    On PostgreSQL several nodes write at once: a send takes its sender and
    recipient (in id order, so two sends cannot deadlock), which keeps each
    sender's read-decide-count of its limits whole, gives a conversation's
    messages their seq one at a time, and commits each account's events in id
    order (a stream's cursor never skips one). SQLite has one writer at a
    time already, so this is a no-op there.
    """
    if conn.dialect.name != "postgresql" or not account_ids:
        return
    # One statement for all of them (a batch of sends names dozens): the subquery
    # hands the ids over in ascending order, and each is locked as it arrives.
    conn.execute(_LOCK_ALL, {"kind": _ACCOUNT_LOCKS, "ids": sorted(set(account_ids))})


_LOCK_ALL = sa.text(
    "SELECT pg_advisory_xact_lock(:kind, id) "
    "FROM (SELECT unnest(CAST(:ids AS integer[])) AS id ORDER BY id) AS ordered")


# -- follows and blocks -------------------------------------------------------

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


# -- conversations and messages -------------------------------------------------

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


def held_messages(conn: sa.Connection) -> list[Row]:
    q = (sa.select(messages).where(messages.c.outcome == "held", messages.c.visible.is_(False))
         .order_by(messages.c.sent_at))
    return [dict(r) for r in conn.execute(q).mappings()]


# -- enforcement -------------------------------------------------------------------

def active_ban(conn: sa.Connection, account: int, now: float) -> Row | None:
    """The ban in force, the one that ends last (permanent first): the same rule the
    gate's facts use (hot.active_bans), so a send and a status never disagree."""
    return hot.active_bans(conn, account, account, now).get(account)


def active_strikes(conn: sa.Connection, account: int, now: float) -> list[Row]:
    q = (sa.select(strikes).where(strikes.c.account_id == account,
                                  strikes.c.removed_at.is_(None), strikes.c.expires_at > now)
         .order_by(strikes.c.created_at, strikes.c.id))
    return [dict(r) for r in conn.execute(q).mappings()]


def strike_for_attempt(conn: sa.Connection, account: int, client_msg_id: str) -> int | None:
    """The strike an earlier try of the same attempt recorded, if any."""
    return conn.execute(sa.select(strikes.c.id).where(
        strikes.c.account_id == account, strikes.c.client_msg_id == client_msg_id)).scalar()


def insert_strike(conn: sa.Connection, **values: Any) -> int:
    return conn.execute(sa.insert(strikes).values(**values)).inserted_primary_key[0]


def insert_ban(conn: sa.Connection, **values: Any) -> int:
    return conn.execute(sa.insert(bans).values(**values)).inserted_primary_key[0]


def strike_by_id(conn: sa.Connection, strike_id: int) -> Row | None:
    found = conn.execute(sa.select(strikes).where(strikes.c.id == strike_id)).mappings().first()
    return dict(found) if found else None


def ban_by_id(conn: sa.Connection, ban_id: int) -> Row | None:
    found = conn.execute(sa.select(bans).where(bans.c.id == ban_id)).mappings().first()
    return dict(found) if found else None


def bans_of(conn: sa.Connection, account: int) -> list[Row]:
    q = sa.select(bans).where(bans.c.account_id == account).order_by(bans.c.id)
    return [dict(r) for r in conn.execute(q).mappings()]


def strikes_of(conn: sa.Connection, account: int) -> list[Row]:
    q = sa.select(strikes).where(strikes.c.account_id == account).order_by(strikes.c.id)
    return [dict(r) for r in conn.execute(q).mappings()]


def update_strike(conn: sa.Connection, strike_id: int, **values: Any) -> None:
    conn.execute(sa.update(strikes).where(strikes.c.id == strike_id).values(**values))


def update_ban(conn: sa.Connection, ban_id: int, **values: Any) -> None:
    conn.execute(sa.update(bans).where(bans.c.id == ban_id).values(**values))


def insert_report(conn: sa.Connection, **values: Any) -> int:
    return conn.execute(sa.insert(reports).values(**values)).inserted_primary_key[0]


def open_reports(conn: sa.Connection) -> list[Row]:
    q = sa.select(reports).where(reports.c.resolved_at.is_(None)).order_by(reports.c.created_at)
    return [dict(r) for r in conn.execute(q).mappings()]


def insert_appeal(conn: sa.Connection, **values: Any) -> int:
    try:
        with conn.begin_nested():
            return conn.execute(sa.insert(appeals).values(**values)).inserted_primary_key[0]
    except sa.exc.IntegrityError:
        raise Conflict("this has already been appealed; one appeal per ban or strike") from None


def appeal_by_id(conn: sa.Connection, appeal_id: int) -> Row | None:
    found = conn.execute(sa.select(appeals).where(appeals.c.id == appeal_id)).mappings().first()
    return dict(found) if found else None


def appeals_of(conn: sa.Connection, account: int | None = None,
               state: str | None = None) -> list[Row]:
    q = sa.select(appeals).order_by(appeals.c.created_at, appeals.c.id)
    if account is not None:
        q = q.where(appeals.c.account_id == account)
    if state is not None:
        q = q.where(appeals.c.state == state)
    return [dict(r) for r in conn.execute(q).mappings()]


def update_appeal(conn: sa.Connection, appeal_id: int, **values: Any) -> None:
    conn.execute(sa.update(appeals).where(appeals.c.id == appeal_id).values(**values))


# Audited actions that change the standing of the account they name; each also
# becomes a `standing` event on that account's live stream.
STANDING_ACTIONS = frozenset({"strike", "ban", "unban", "flag", "unflag", "verify",
                              "appeal_upheld", "appeal_overturned"})
# What of an audit entry's detail the account itself may see on its stream (no
# reporters, no moderator notes): enough to know what changed and refetch standing.
_STANDING_DETAIL = ("ban_id", "strike_id", "appeal_id", "scope", "until", "category")


def audit(conn: sa.Connection, at: float, action: str, account: int | None,
          actor: int | None, **detail: Any) -> None:
    """Append to the audit log; entries are never edited in place."""
    conn.execute(sa.insert(audit_log).values(at=at, action=action, account_id=account,
                                             actor_id=actor, detail=detail))
    if account is not None and action in STANDING_ACTIONS:
        shown = {k: detail[k] for k in _STANDING_DETAIL if detail.get(k) is not None}
        if "until" in shown:
            shown["until"] = to_iso(shown["until"])
        insert_event(conn, account, at, "standing", {"change": action, **shown})


def audit_entries(conn: sa.Connection, account: int | None = None,
                  limit: int = 200) -> list[Row]:
    q = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if account is not None:
        q = q.where(audit_log.c.account_id == account)
    return [dict(r) for r in conn.execute(q).mappings()]


# -- the live stream ---------------------------------------------------------------

def insert_event(conn: sa.Connection, account: int, at: float, kind: str,
                 payload: dict[str, Any]) -> int:
    """Append to an account's stream; the service wakes its listeners after commit."""
    lock_accounts(conn, account)  # ids commit in order per account (see lock_accounts)
    event_id = conn.execute(sa.insert(events).values(account_id=account, at=at, kind=kind,
                                                     payload=payload)).inserted_primary_key[0]
    hot.note_events(conn, {account})
    return event_id


def latest_event_id(conn: sa.Connection, account: int) -> int:
    q = sa.select(sa.func.max(events.c.id)).where(events.c.account_id == account)
    return int(conn.execute(q).scalar() or 0)


# -- the spam model -------------------------------------------------------------------

def spam_model_data(conn: sa.Connection) -> tuple[str, int] | None:
    """The stored model and its version, or None before the first save."""
    row = conn.execute(sa.select(spam_model.c.data, spam_model.c.version)
                       .where(spam_model.c.id == 1)).first()
    return (row.data, row.version) if row else None


def spam_model_version(conn: sa.Connection) -> int:
    return conn.execute(sa.select(spam_model.c.version).where(spam_model.c.id == 1)).scalar() or 0


def save_spam_model(conn: sa.Connection, data: str, at: float) -> int:
    """Store the model; returns its new version."""
    updated = conn.execute(sa.update(spam_model).where(spam_model.c.id == 1)
                           .values(data=data, updated_at=at, version=spam_model.c.version + 1))
    if updated.rowcount == 0:
        conn.execute(sa.insert(spam_model).values(id=1, data=data, updated_at=at, version=1))
    return spam_model_version(conn)
