"""What a message to a group needs of the one send path (shell/sending.py): its facts,
its storing with every member's stream event, and its counting.

A group message goes through the same gate as a direct one; only the facts differ:
the group in place of the recipient, and the group as one stranger recipient for
duplicates, fan-out and reputation when any other member does not follow the sender.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sendable.clock import to_iso
from sendable.counters import Counters
from sendable.errors import NotFound
from sendable.gate import Content, Decision, Facts
from sendable.gate.facts import ClientFacts, GroupFacts, Relation
from sendable.policy import Policy
from sendable.reasons import render_all
from sendable.shell import facts as loading
from sendable.shell.content import ContentAnalyser
from sendable.store import accounts as db_accounts
from sendable.store import enforcement as db_enforcement
from sendable.store import events as db_events
from sendable.store import groups as db_groups
from sendable.store.driver import Conn, dump_json


def is_member(entry: Mapping[str, Any] | None) -> bool:
    """Joined: accepted the invitation and, where needed, approved by the owner."""
    return bool(entry and entry["accepted"] and entry["approved"])


def load_group_facts(conn: Conn, counters: Counters, policy: Policy,
                     analyser: ContentAnalyser, sender: Mapping[str, Any], group_id: int,
                     text: str, client: ClientFacts, now: float,
                     read: Callable[[bool], Content] | None = None,
                     forwards: int | None = None) -> tuple[Facts, dict[str, Any]]:
    """The facts for one message to a group, and the group as stored (for the effects)."""
    group = db_groups.group_for_send(conn, group_id)
    if group is None:
        raise NotFound(f"no group {group_id}", "group")
    entries = db_groups.members_for_send(conn, group_id, sender["id"])
    members = [e["account_id"] for e in entries if is_member(e)]
    others = [e for e in entries if is_member(e) and e["account_id"] != sender["id"]]
    mine = next((e for e in entries if e["account_id"] == sender["id"]), None)
    facts_of_group = GroupFacts(
        id=group_id, closed=group["closed_at"] is not None, sender_is_member=is_member(mine),
        sender_is_owner=group["owner_id"] == sender["id"],
        others_follow_sender=all(e["follows_sender"] for e in others))
    history = loading.load_history(counters, policy, sender["id"], now)
    # A message to a stranger group keeps its fingerprint in its counter member: its id
    # there is not a direct message's, so it could not be looked up later.
    stranger = facts_of_group.stranger
    content = (analyser.analyse(text, with_fingerprint=stranger) if read is None
               else read(stranger))
    if stranger and len(history.stranger_messages) >= policy.spam.duplicate_recipients:
        history = loading.with_fingerprints(conn, history)
    counts = db_accounts.standing_counts(conn, sender["id"], now) if stranger else None
    me = loading.account_facts(sender, db_enforcement.active_ban(conn, sender["id"], now),
                               counts, now)
    relation = Relation(recipient_follows=facts_of_group.others_follow_sender,
                        conversation_id=group_id, conversation_state="accepted")
    facts = Facts(now=now, sender=me, recipient=me, relation=relation, history=history,
                  content=content, client=client, group=facts_of_group, forwards=forwards)
    muted = {e["account_id"] for e in entries if e["muted"]}
    hidden = {e["account_id"] for e in entries if e["blocks_sender"]}
    return facts, {"group": group, "members": members, "muted": muted, "hidden": hidden}


def group_message_json(row: Mapping[str, Any], group: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "group_id": row["group_id"], "group": group["name"],
            "seq": row["seq"], "outcome": row["outcome"], "sent_at": to_iso(row["sent_at"]),
            "forwarded": row["forwarded_from"] is not None}


def store_group_message(conn: Conn, sender: Mapping[str, Any], text: str, decision: Decision,
                        facts: Facts, stored: dict[str, Any], client_msg_id: str | None,
                        forwarded_from: str | None, now: float) -> dict[str, Any]:
    """Store a group message and add the stream events: the sender's, and every other
    member's but those who blocked the sender (they never see the blocked member's
    group messages). A held message reaches only its sender until released."""
    group, held = stored["group"], decision.outcome == "held"
    row = db_groups.insert_group_message(conn, {
        "group_id": group["id"], "sender_id": sender["id"], "text": text,
        "outcome": decision.outcome, "visible": not held, "sent_at": now,
        "client_msg_id": client_msg_id, "stranger": facts.to_stranger,
        "fingerprint": facts.content.fingerprint,
        "reasons": render_all(decision.findings, "moderator") if held else None,
        "forwarded_from": forwarded_from})
    message = {**group_message_json(row, group), "text": text}
    db_events.add(conn, sender["id"], now, "group_message",
                  dump_json({"message": message, "from": sender["handle"], "muted": False}))
    if not held:
        others = [m for m in stored["members"] if m != sender["id"]]
        hidden = stored["hidden"]  # who blocked the sender, read with the members
        for member in others:
            if member not in hidden:
                db_events.add(conn, member, now, "group_message", dump_json({
                    "message": message, "from": sender["handle"],
                    "muted": member in stored["muted"]}))
    return row


def count_group_message(policy: Policy, counters: Counters, sender: int,
                        row: Mapping[str, Any]) -> None:
    """Count a stored group message in the sender's group window (not the direct one);
    a stranger group counts as one stranger recipient, named by the group."""
    _, _, stranger_key, group_key = loading.counter_keys(sender)
    _, _, keep_stranger, keep_group = loading.counter_keep(policy)
    counters.add(group_key, row["sent_at"], f"g{row['id']}", keep_group)
    if row["stranger"]:
        fingerprint = row["fingerprint"].hex() if row["fingerprint"] else ""
        # ids and recipients negative: never a direct message's or an account's
        counters.add(stranger_key, row["sent_at"],
                     f"-{row['id']}:-{row['group_id']}:{fingerprint}", keep_stranger)
