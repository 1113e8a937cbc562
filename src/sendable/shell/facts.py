"""Loading facts: the only I/O before the gate decides.

One read of the store per attempt (a handful of queries in one transaction)
and one of the counters.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date
from typing import Any

import semver

from sendable.counters import Counters
from sendable.enforcement.reputation import ReputationInputs, reputation
from sendable.gate.checks import history_needed
from sendable.gate.facts import (
    AccountFacts,
    BanFacts,
    ClientFacts,
    Content,
    Facts,
    History,
    Relation,
    StrangerMessage,
)
from sendable.policy import Policy
from sendable.shell.content import ContentAnalyser
from sendable.store import accounts as db_accounts
from sendable.store import contacts as db_contacts
from sendable.store import messages as db_messages
from sendable.store.driver import Conn
from sendable.text.fingerprint import fingerprint

_DAY = 86400.0


def parse_client(header: str | None) -> ClientFacts:
    """`Sendable-Client: <name>/<semver>`; no header means a current client."""
    if header is None or not header.strip():
        return ClientFacts()
    _, _, version = header.strip().rpartition("/")
    try:
        parsed = semver.Version.parse(version.strip().lstrip("vV"), optional_minor_and_patch=True)
    except (ValueError, TypeError):
        return ClientFacts(header=header, version=None, valid=False)
    return ClientFacts(header=header, version=str(parsed))


# A sender's counted series, in the order of `History`'s fields that they fill.
SERIES = ("message_times", "new_conversation_times", "stranger_messages",
          "group_message_times")


def counter_keys(sender: int) -> tuple[str, str, str, str]:
    return f"msg:{sender}", f"conv:{sender}", f"stranger:{sender}", f"gmsg:{sender}"


def counter_keep(policy: Policy) -> tuple[float, float, float, float]:
    """How long each of a sender's event series must be kept."""
    kept = _KEEPS.get(id(policy))
    if kept is not None and kept[0] is policy:
        return kept[1]
    # The checks declare what they read (gate.checks.history_needed); a series is
    # kept at least a minute so that the smallest window still has its events.
    needed = history_needed(policy)
    keeps = tuple(max(needed.get(series, 0.0), 60.0) for series in SERIES)
    if len(_KEEPS) > 64:  # policies are few; scenarios build many in one process
        _KEEPS.clear()
    _KEEPS[id(policy)] = (policy, keeps)  # type: ignore[assignment]
    return keeps  # type: ignore[return-value]


# id(policy) -> (the policy, its keeps): computed once per policy, not per send.
_KEEPS: dict[int, tuple[Policy, tuple[float, float, float, float]]] = {}


@functools.lru_cache(maxsize=1 << 16)
def _stranger_message(at: float, member: str) -> StrangerMessage:
    """A counted stranger message from its member `<id>:<recipient>:<fingerprint hex>`;
    kept, since each is read again on every later send in its window."""
    message_id, recipient, fingerprint = member.split(":", 2)
    return StrangerMessage(at, int(recipient), bytes.fromhex(fingerprint) if fingerprint else None,
                           int(message_id))


@functools.lru_cache(maxsize=4096)
def _fingerprint_of(text: str) -> bytes:
    """A stored message's fingerprint: each is compared again on every later
    comparison in its window, so it is computed once."""
    return fingerprint(text)


def with_fingerprints(conn: Conn, history: History) -> History:
    """The history with a fingerprint for every message to a stranger: those sent
    before anything was compared have none in their counter, so they come from
    their stored texts (the same bytes sending them would have computed)."""
    missing = [m.message_id for m in history.stranger_messages if m.fingerprint is None]
    if not missing:
        return history
    texts = db_messages.message_texts(conn, missing)
    return replace(history, stranger_messages=tuple(
        m if m.fingerprint is not None or m.message_id not in texts
        else replace(m, fingerprint=_fingerprint_of(texts[m.message_id]))
        for m in history.stranger_messages))


def load_history(counters: Counters, policy: Policy, sender: int, now: float) -> History:
    keys, keeps = counter_keys(sender), counter_keep(policy)
    # A busy sender's windows hold thousands of events: of most series only the
    # times count, read as one slice each.
    msgs, convs, strangers, group_msgs = counters.many_times_since(
        [(key, now - keep) for key, keep in zip(keys, keeps, strict=True)])
    # Fewer messages to strangers than either spam limit (duplicates, fan-out) can
    # reach that many recipients: neither check could find anything in them.
    if len(strangers) < min(policy.spam.duplicate_recipients, policy.spam.fanout_per_hour):
        stranger_messages: tuple[StrangerMessage, ...] = ()
    else:
        stranger_messages = tuple([_stranger_message(at, member) for at, member
                                   in counters.since(keys[2], now - keeps[2])])
    return History(tuple(msgs), tuple(convs), stranger_messages, tuple(group_msgs))


def _ban(row: Mapping[str, Any] | None) -> BanFacts | None:
    return BanFacts(row["id"], row["scope"], row["until"]) if row else None


def account_facts(row: Mapping[str, Any], ban: Mapping[str, Any] | None = None,
                  counts: Mapping[str, int] | None = None, now: float = 0.0) -> AccountFacts:
    birthdate = row["birthdate"]
    if isinstance(birthdate, str):
        birthdate = date.fromisoformat(birthdate)
    rep = None
    if counts is not None:
        rep = reputation(ReputationInputs(
            account_age_days=(now - row["created_at"]) / _DAY,
            verified=bool(row["verified"]),
            active_strikes=counts["strikes"],
            distinct_reporters=counts["reporters"],
            blocks_received=counts["blocks"],
            replies_received=counts["replies"],
        ))
    return AccountFacts(
        id=row["id"], handle=row["handle"], created_at=row["created_at"], birthdate=birthdate,
        verified=bool(row["verified"]), role=row["role"],
        who_can_message=row["who_can_message"], private=bool(row["private"]),
        group_invites=row.get("group_invites") or "mutuals",
        deactivated=bool(row["deactivated"]), flagged=row["flagged_at"] is not None,
        flag_id=row.get("flag_id") if row["flagged_at"] is not None else None,
        ban=_ban(ban), active_strikes=counts["strikes"] if counts else 0, reputation=rep,
    )


def relation_from(pair: Mapping[str, Any], recipient: int) -> Relation:
    return Relation(
        sender_follows=pair["a_follows"], sender_follow_pending=pair["a_follow_pending"],
        recipient_follows=pair["b_follows"],
        sender_blocked=pair["a_blocked"], recipient_blocked=pair["b_blocked"],
        conversation_id=pair["conversation_id"],
        conversation_state=pair["conversation_state"],
        started_by_recipient=pair["started_by"] == recipient,
        unanswered=pair["request_count"] or 0,
    )


def with_contact(conn: Conn, rel: Relation, recipient_row: Mapping[str, Any] | None,
                 sender_id: int) -> Relation:
    """The relation, with whether the sender is one of the recipient's contacts: read
    only while the recipient syncs contacts (they stop counting the moment it stops)."""
    if not recipient_row or not recipient_row.get("sync_contacts"):
        return rel
    return replace(rel, sender_is_contact=db_contacts.is_contact(conn, recipient_row["id"],
                                                                 sender_id))


def load_facts(conn: Conn, counters: Counters, policy: Policy,
               analyser: ContentAnalyser, sender_row: Mapping[str, Any],
               recipient_row: Mapping[str, Any], text: str, client: ClientFacts,
               now: float, read: Callable[[bool], Content] | None = None
               ) -> tuple[Facts, dict[str, Any]]:
    """The facts for one attempt, and the pair's stored state (for the effects).
    `read(with_fingerprint)`: the text's content from a batch read together (TextBatch)."""
    sender_id, recipient_id = sender_row["id"], recipient_row["id"]
    pair = db_messages.pair_state(conn, sender_id, recipient_id, now)
    rel = with_contact(conn, relation_from(pair, recipient_id), recipient_row, sender_id)
    history = load_history(counters, policy, sender_id, now)
    # Near-duplicates are compared only for a message to a stranger from a sender
    # with as many such messages in the window as the limit (fewer could never reach
    # it): only then are fingerprints computed, this message's and its history's.
    compare = (rel.is_request
               and len(history.stranger_messages) >= policy.spam.duplicate_recipients)
    content = (analyser.analyse(text, with_fingerprint=compare) if read is None
               else read(compare))
    if compare:
        history = with_fingerprints(conn, history)
    bans = pair["bans"]
    # Reputation only bears on messages to strangers; skip its counts otherwise.
    counts = db_accounts.standing_counts(conn, sender_id, now) if rel.is_request else None
    sender = account_facts(sender_row, bans.get(sender_id), counts, now)
    recipient = account_facts(recipient_row, bans.get(recipient_id))
    facts = Facts(now=now, sender=sender, recipient=recipient, relation=rel, history=history,
                  content=content, client=client)
    return facts, pair
