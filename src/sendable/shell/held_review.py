"""A moderator's decision on a held message, direct or in a group: release it (shown
to its recipient or its group; the check that held it was wrong) or confirm it (it
stays held, leaves the review queue, and its text becomes a label for the check
that held it). The sender may still appeal a confirmed message.

One id names either kind: group messages are numbered from GROUP_MESSAGE_IDS_FROM
on and direct messages below it. A group message stored before that split has a
low id, so an id below it that is not a held direct message is also looked up as a
held group message (as forwarding does, shell/group_chat.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sendable.errors import Conflict, NotFound
from sendable.shell import appeal_effects
from sendable.shell.group_sends import group_message_json
from sendable.shell.learning import label_from_verdict
from sendable.store import accounts as db_accounts
from sendable.store import groups as db_groups
from sendable.store import held as db_held
from sendable.store import messages as db_messages
from sendable.store import moderation as db_audit
from sendable.store.driver import Conn
from sendable.store.schema import GROUP_MESSAGE_IDS_FROM

MAX_ID = 2**63 - 1  # the largest id the store holds


@dataclass(frozen=True)
class Held:
    """A held message found by its id: `group` tells which table it is in."""

    group: bool
    row: dict[str, Any]


def _is_held(row: dict[str, Any] | None) -> bool:
    return row is not None and row["outcome"] == "held" and not row["visible"]


def find_held(conn: Conn, message_id: int) -> Held:
    """The held message (direct or group) with this id, confirmed or not; NotFound
    naming `message_id` when there is none (never held, released, or no such id)."""
    missing = NotFound(f"no held message {message_id}", "message_id")
    if not isinstance(message_id, int) or isinstance(message_id, bool) or not (
            1 <= message_id <= MAX_ID):
        raise missing
    if message_id < GROUP_MESSAGE_IDS_FROM:
        direct = db_messages.message_by_id(conn, message_id)
        if _is_held(direct):
            return Held(False, dict(direct))
    grouped = db_groups.group_message_by_id(conn, message_id)
    if _is_held(grouped):
        return Held(True, dict(grouped))
    raise missing


def _undecided(conn: Conn, message_id: int) -> Held:
    """find_held under its accounts' lock (read again once locked), and not yet
    confirmed: Conflict naming `message_id` for one a moderator already kept held."""
    found = find_held(conn, message_id)
    row = found.row
    db_accounts.lock_accounts(conn, *((row["sender_id"],) if found.group
                                      else (row["sender_id"], row["recipient_id"])))
    found = find_held(conn, message_id)
    if found.row["confirmed_at"] is not None:
        raise Conflict(f"message {message_id} was already confirmed held; its sender "
                       "may appeal it", "message_id")
    return found


def release(conn: Conn, message_id: int, actor_id: int | None,
            now: float) -> dict[str, Any]:
    """Show a held message to its recipient (or its group); its text becomes a clean
    label. Returns the message as released (with its outcome now)."""
    found = _undecided(conn, message_id)
    row = found.row
    if not found.group:
        return appeal_effects.release_held(conn, row, actor_id, now)
    outcome = appeal_effects.release_group_held(conn, row, actor_id, now)
    for kind in appeal_effects.held_kinds(row["reasons"]):
        label_from_verdict(conn, kind, row["text"], False, "released", actor_id, now)
    group = db_groups.group_by_id(conn, row["group_id"]) or {"name": ""}
    return {**group_message_json({**row, "outcome": outcome}, group), "text": row["text"]}


def confirm(conn: Conn, message_id: int, actor_id: int | None, now: float) -> dict[str, Any]:
    """Keep a held message held: it leaves the queue, becomes a label of each kind
    that held it, and is audited as held_confirmed. Returns what was confirmed."""
    found = _undecided(conn, message_id)
    row = found.row
    if found.group:
        db_held.confirm_group_message(conn, message_id, now)
    else:
        db_held.confirm_message(conn, message_id, now)
    labels = 0
    for kind in appeal_effects.held_kinds(row["reasons"]):
        # a label's message_id names a direct message; a group message's is left out
        labels += label_from_verdict(conn, kind, row["text"], True, "held_confirmed",
                                     actor_id, now, None if found.group else message_id)
    detail: dict[str, Any] = {"message_id": message_id}
    if found.group:
        detail["group_id"] = row["group_id"]
    db_audit.audit(conn, now, "held_confirmed", row["sender_id"], actor_id, **detail)
    return {"message_id": message_id, "group_id": row["group_id"] if found.group else None,
            "labels": labels}
