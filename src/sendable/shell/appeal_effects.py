"""What a decided appeal does beyond its record, and the labels it teaches.

- ban / strike: overturned, the strike is removed and the ban lifted
  (enforcement/actions.py); the strike's text becomes a label (spam for a spam
  strike, abuse otherwise).
- held:<message id> (held_group:<id> in a group): overturned, the message is released (delivered, or into
  requests when the pair has no accepted conversation, as a moderator's release);
  upheld, it stays held. Either way its text becomes a label of the kind that
  held it (abuse for guidelines.*, spam for spam.*).
- attempt:<id>: overturned, the refused message is delivered with its original
  time (the time it was sent, not the time of the decision): the send path runs
  again on today's state without the spam and rate checks the moderator has just
  overruled, so a block, a ban or a privacy setting in force now still stops it
  (the sender then reads `refused`, as any refusal). Upheld, nothing is sent. The
  text becomes a spam label.
- flag:<id>: overturned, the flag is cleared; the messages named by the reports
  that raised it become labels (spam for spam reports, abuse otherwise).
- group:<id>: overturned, the group reopens (its members never left); the group's
  messages become labels of the kind its reports name.
"""

from __future__ import annotations

from typing import Any

from sendable.enforcement.actions import flag_reports
from sendable.gate import Decision, decide
from sendable.shell import facts as loading
from sendable.shell import group_sends
from sendable.shell.context import Shell
from sendable.shell.direct_sends import message_json, store_direct_message
from sendable.shell.learning import label_from_verdict
from sendable.store import accounts as db_accounts
from sendable.store import enforcement as db_enforcement
from sendable.store import events as db_events
from sendable.store import groups as db_groups
from sendable.store import messages as db_messages
from sendable.store import moderation as db_audit
from sendable.store import refused_attempts as db_refused
from sendable.store.driver import Conn

MAX_GROUP_LABELS = 50  # the newest messages of a closed group that become labels
# Checks an overturned attempt no longer meets: the ones the moderator overruled
# (spam) and the pace of the original send (rate, the client it came from).
_OVERRULED = ("spam.", "rate.", "client.")


def held_kinds(reasons: Any) -> list[str]:
    """Which learned checks a held message's (or an attempt's) reasons name: abuse for
    guidelines.*, spam for spam.*."""
    codes = {str(r.get("code", "")) for r in (reasons or []) if isinstance(r, dict)}
    kinds = []
    if any(c.startswith("guidelines.") for c in codes):
        kinds.append("abuse")
    if any(c.startswith("spam.") for c in codes):
        kinds.append("spam")
    return kinds


def release_held(conn: Conn, message: dict[str, Any], actor_id: int | None,
                 now: float, verdict: str = "released") -> dict[str, Any]:
    """Show a held message to its recipient: where it lands is decided now, as for a
    message sent now (the recipient may have followed the sender or accepted
    meanwhile). The check that held it was wrong: its text becomes a clean label."""
    pair = db_messages.pair_state(conn, message["sender_id"], message["recipient_id"])
    is_request = loading.with_contact(
        conn, loading.relation_from(pair, message["recipient_id"]),
        db_accounts.account_by_id(conn, message["recipient_id"]),
        message["sender_id"]).is_request
    outcome = "requested" if is_request else "delivered"
    db_messages.release_message(conn, message["id"], now, actor_id)
    if not is_request and pair["conversation_state"] != "accepted":
        db_messages.update_conversation(conn, message["conversation_id"], state="accepted")
    db_audit.audit(conn, now, "release", message["sender_id"], actor_id,
                   message_id=message["id"], outcome=outcome)
    for kind in held_kinds(message["reasons"]):
        label_from_verdict(conn, kind, message["text"], False, verdict, actor_id, now,
                           message["id"])
    sender = db_accounts.handles_by_ids(conn, [message["sender_id"]])
    payload = {"message": {**message_json(message), "outcome": outcome,
                           "text": message["text"]},
               "from": sender[message["sender_id"]]}
    db_events.add(conn, message["recipient_id"], now,
                  "request" if is_request else "message", payload)
    return payload["message"]


def release_group_held(conn: Conn, row: dict[str, Any], actor_id: int | None,
                       now: float) -> str:
    """Show a held group message to the group: every member's stream but those who
    blocked its sender, as when a message is sent."""
    db_refused.release_group_message(conn, row["id"])
    group = db_groups.group_by_id(conn, row["group_id"]) or {"name": ""}
    entries = db_groups.entries(conn, row["group_id"])
    members = [e["account_id"] for e in entries
               if group_sends.is_member(e) and e["account_id"] != row["sender_id"]]
    hidden = db_groups.blockers_of(conn, row["sender_id"], members)
    muted = {e["account_id"] for e in entries if e["muted"]}
    sender = db_accounts.handles_by_ids(conn, [row["sender_id"]])[row["sender_id"]]
    message = {**group_sends.group_message_json({**row, "outcome": "delivered"}, group),
               "text": row["text"]}
    for member in members:
        if member not in hidden:
            db_events.add(conn, member, now, "group_message",
                          {"message": message, "from": sender, "muted": member in muted})
    db_audit.audit(conn, now, "release_group_message", row["sender_id"], actor_id,
                   group_id=row["group_id"], message_id=row["id"])
    return "delivered"


def apply_decision(conn: Conn, shell: Shell, appeal: dict[str, Any], state: str,
                   mod: int | None, now: float) -> dict[str, Any]:
    """The effects and labels of an appeal being decided, beyond actions.decide_appeal
    (call before it, in the same transaction: a flag's reports are read while it is in
    force); returns what to add to the decision's answer (`labels`, and `delivered`
    for a message)."""
    kind, target, upheld = appeal["target_kind"], appeal["target_id"], state == "upheld"
    labels, extra = 0, {}
    if kind in ("ban", "strike"):
        strike_id = target if kind == "strike" else (
            (db_enforcement.ban_by_id(conn, target) or {}).get("strike_id"))
        strike = db_enforcement.strike_by_id(conn, strike_id) if strike_id else None
        if strike is not None and strike["message_text"]:
            kind_of_text = "spam" if strike["category"] == "spam" else "abuse"
            labels += label_from_verdict(conn, kind_of_text, strike["message_text"], upheld,
                                         f"strike_{state}", mod, now,
                                         category=strike["category"] if upheld else None)
    elif kind == "held":
        message = db_messages.message_by_id(conn, target)
        if message is not None and not upheld and not message["visible"]:
            db_accounts.lock_accounts(conn, message["sender_id"], message["recipient_id"])
            extra["delivered"] = release_held(conn, message, mod, now,
                                              "held_appeal_overturned")["outcome"]
            labels += len(held_kinds(message["reasons"]))
        elif message is not None and upheld:
            for learned in held_kinds(message["reasons"]):
                labels += label_from_verdict(conn, learned, message["text"], True,
                                             "held_appeal_upheld", mod, now, message["id"])
    elif kind == "held_group":
        row = db_groups.group_message_by_id(conn, target)
        if row is not None and not upheld and not row["visible"]:
            extra["delivered"] = release_group_held(conn, row, mod, now)
        if row is not None:
            for learned in held_kinds(row["reasons"]):
                labels += label_from_verdict(conn, learned, row["text"], upheld,
                                             f"held_appeal_{state}", mod, now)
    elif kind == "attempt":
        attempt = db_refused.attempt_by_id(conn, target) or {}
        message_id = None
        if not upheld and attempt:
            extra["delivered"], message_id = _deliver_attempt(conn, shell, attempt, now)
        for learned in held_kinds(attempt.get("reasons")):
            if learned == "spam":  # an attempt is kept for its spam reasons
                labels += label_from_verdict(conn, "spam", attempt["text"], upheld,
                                             f"attempt_{state}", mod, now, message_id)
    elif kind == "flag":
        holder = db_accounts.account_by_id(conn, appeal["account_id"]) or {}
        for report in _flag_reports(conn, shell, holder, target):
            message = db_messages.message_by_id(conn, report["message_id"])
            if message is not None:
                learned = "spam" if "spam" in report["reason"].lower() else "abuse"
                labels += label_from_verdict(conn, learned, message["text"], upheld,
                                             f"flag_{state}", mod, now, message["id"])
    elif kind == "group":
        reasons = [r["reason"].lower() for r in db_groups.reports_of_group(conn, target)]
        learned = "spam" if any("spam" in r for r in reasons) else "abuse"
        rows = db_groups.group_messages_in(conn, target, 0, 10**6)
        for row in [r for r in rows if r["visible"]][-MAX_GROUP_LABELS:]:
            labels += label_from_verdict(conn, learned, row["text"], upheld,
                                         f"group_{state}", mod, now)
    if kind in ("ban", "strike"):  # answered as before: what was removed and lifted
        return extra
    return {"labels": labels, **extra}


def _flag_reports(conn: Conn, shell: Shell, holder: dict[str, Any],
                  flag_id: int) -> list[dict[str, Any]]:
    """The reports naming a message that raised the flag: those that counted toward it
    when it was recorded (call while the flag is still in force)."""
    entry = db_audit.audit_entry(conn, flag_id)
    if entry is None or holder.get("flag_id") != flag_id:
        return []
    return [r for r in flag_reports(conn, shell.policy, holder, entry["at"])
            if r["message_id"] is not None]


def _deliver_attempt(conn: Conn, shell: Shell, attempt: dict[str, Any],
                     now: float) -> tuple[str, int | None]:
    """Send an overturned attempt with its original time; returns the outcome
    (delivered, requested, held, or refused when something else stops it now) and the
    stored message's id."""
    sender = db_accounts.account_by_id(conn, attempt["sender_id"])
    if sender is None or attempt.get("delivered_outcome"):
        return attempt.get("delivered_outcome") or "refused", attempt.get("delivered_message_id")
    sent_at, message_id = attempt["created_at"], None
    if attempt["group_id"] is not None:
        db_accounts.lock_accounts(conn, sender["id"])
        facts, stored = group_sends.load_group_facts(
            conn, shell.counters, shell.policy, shell.analyser, sender, attempt["group_id"],
            attempt["text"], loading.parse_client(None), now)
        decision = _without_overruled(decide(facts, shell.policy), group=True,
                                      request=False)
        if decision.sendable:
            row = group_sends.store_group_message(conn, sender, attempt["text"], decision,
                                                  facts, stored, None, None, sent_at)
            message_id = row["id"]
    else:
        recipient = db_accounts.account_by_id(conn, attempt["recipient_id"])
        if recipient is None:
            return "refused", None
        db_accounts.lock_accounts(conn, sender["id"], recipient["id"])
        facts, pair = loading.load_facts(conn, shell.counters, shell.policy, shell.analyser,
                                         sender, recipient, attempt["text"],
                                         loading.parse_client(None), now)
        decision = decide(facts, shell.policy)
        decision = _without_overruled(decision, group=False,
                                      request=facts.relation.is_request)
        if decision.sendable:
            message_id = store_direct_message(conn, sender, recipient, attempt["text"],
                                              decision, facts, pair, None, sent_at)["id"]
    db_refused.update_attempt(conn, attempt["id"], delivered_outcome=decision.outcome,
                               delivered_message_id=message_id, delivered_at=now)
    db_audit.audit(conn, now, "attempt_delivered", sender["id"], None,
                   attempt_id=attempt["id"], outcome=decision.outcome, message_id=message_id)
    return decision.outcome, message_id


def _without_overruled(decision: Decision, group: bool, request: bool) -> Decision:
    kept = tuple(f for f in decision.findings if not f.code.startswith(_OVERRULED))
    if any(f.effect == "refuse" for f in kept):
        outcome = "refused"
    elif kept:
        outcome = "held"
    else:
        outcome = "requested" if request and not group else "delivered"
    return Decision(outcome, kept)
