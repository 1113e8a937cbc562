"""What moderators read: the review queue, and why an account is restricted.

Reads only, apart from `resolve_reports`; every write appends to the audit log.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from sendable.clock import to_iso
from sendable.enforcement.actions import flag_reports
from sendable.enforcement.ladder import step_for
from sendable.errors import NotFound
from sendable.gate.facts import ban_in_force
from sendable.policy import Policy
from sendable.shell.appealables import moderator_context
from sendable.store import accounts as db_accounts
from sendable.store import enforcement as db_enforcement
from sendable.store import groups as db_groups
from sendable.store import held as db_held
from sendable.store import messages as db_messages
from sendable.store import moderation as db_audit
from sendable.store.driver import Conn

_HOUR = 3600.0

# Base priorities; see `queue` for the ordering they make.
BAN_APPEAL_IN_FORCE = 100
HELD_MESSAGE = 80
APPEAL = 60
REPORTS_BASE = 20
PER_REPORTER = 15
REPORTERS_CAP = 5
MESSAGE_REPORTED = 10
PER_HOUR_WAITING = 2
WAITING_CAP = 48


def _aged(base: int, why: str, since: float, now: float) -> tuple[int, str]:
    hours = max(0, int((now - since) // _HOUR))
    bonus = min(WAITING_CAP, hours * PER_HOUR_WAITING)
    if bonus:
        why = f"{why}; waiting {hours}h (+{bonus})"
    return base + bonus, why


def queue(conn: Conn, now: float) -> list[dict[str, Any]]:
    """Held messages awaiting a decision (direct, and in groups as
    `held_group_message`), open reports (one item per reported account) and open
    appeals, highest priority first, then oldest first. A held message a moderator
    released or confirmed is decided: it is not listed (an appeal of it is).

    Priority = base + waiting bonus:
    - an appeal of a ban still in force: 100 (someone may be shut out wrongly);
    - a held message, direct or in a group: 80 (its recipient, or the group, sees
      nothing until a moderator looks);
    - any other appeal (a strike, or a ban that has ended): 60;
    - reports about an account: 20 + 15 per distinct reporter (counted up to 5),
      + 10 when a report names a message, so an account many people report
      overtakes a held message;
    - every item gains 2 per full hour it has waited (up to +48, i.e. one day),
      so nothing old sinks out of sight.
    Each item carries `priority` and `priority_reason` saying how it was scored.
    """
    items: list[dict[str, Any]] = []

    for row in db_held.held_messages(conn):
        score, why = _aged(HELD_MESSAGE, f"held message ({HELD_MESSAGE})", row["sent_at"], now)
        items.append({"kind": "held_message", "id": row["id"], "priority": score,
                      "priority_reason": why, "created_at": row["sent_at"],
                      "sender_id": row["sender_id"], "recipient_id": row["recipient_id"],
                      "text": row["text"], "reasons": row["reasons"]})
    group_names: dict[int, str] = {}
    for row in db_held.held_group_messages(conn):
        if row["group_id"] not in group_names:
            group_names[row["group_id"]] = (db_groups.group_by_id(conn, row["group_id"])
                                            or {"name": ""})["name"]
        score, why = _aged(HELD_MESSAGE, f"held group message ({HELD_MESSAGE})",
                           row["sent_at"], now)
        items.append({"kind": "held_group_message", "id": row["id"], "priority": score,
                      "priority_reason": why, "created_at": row["sent_at"],
                      "sender_id": row["sender_id"],
                      "group": {"id": row["group_id"], "name": group_names[row["group_id"]]},
                      "text": row["text"], "reasons": row["reasons"]})

    grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in db_enforcement.open_reports(conn):
        grouped[row["account_id"]].append(row)
    for account_id, rows in grouped.items():
        reporters = {r["reporter_id"] for r in rows}
        counted = min(len(reporters), REPORTERS_CAP)
        base = REPORTS_BASE + PER_REPORTER * counted
        why = f"reports from {len(reporters)} distinct reporter(s) ({base})"
        message_ids = sorted({r["message_id"] for r in rows if r["message_id"] is not None})
        if message_ids:
            base += MESSAGE_REPORTED
            why += f"; names a message (+{MESSAGE_REPORTED})"
        oldest = min(r["created_at"] for r in rows)
        score, why = _aged(base, why, oldest, now)
        reasons: dict[str, int] = defaultdict(int)
        for r in rows:
            reasons[r["reason"]] += 1
        items.append({"kind": "reports", "id": account_id, "account_id": account_id,
                      "priority": score, "priority_reason": why, "created_at": oldest,
                      "distinct_reporters": len(reporters), "reports": len(rows),
                      "report_ids": [r["id"] for r in rows], "message_ids": message_ids,
                      "messages": [{"id": m, "text": (db_messages.message_by_id(conn, m) or {}).get("text")}
                                   for m in message_ids],
                      "reasons": dict(reasons)})

    for row in db_enforcement.appeals_of(conn, state="open"):
        in_force = False
        if row["target_kind"] == "ban":
            ban = db_enforcement.ban_by_id(conn, row["target_id"]) or {}
            in_force = bool(ban) and ban_in_force(ban["until"], now, ban["lifted_at"])
        if in_force:
            base, why = BAN_APPEAL_IN_FORCE, f"appeal of a ban in force ({BAN_APPEAL_IN_FORCE})"
        else:
            base, why = APPEAL, f"appeal of a {row['target_kind']} ({APPEAL})"
        score, why = _aged(base, why, row["created_at"], now)
        items.append({"kind": "appeal", "id": row["id"], "account_id": row["account_id"],
                      "priority": score, "priority_reason": why, "created_at": row["created_at"],
                      "target": f"{row['target_kind']}:{row['target_id']}",
                      "statement": row["statement"],
                      "context": moderator_context(conn, row["target_kind"], row["target_id"])})

    items.sort(key=lambda item: (-item["priority"], item["created_at"], item["kind"], item["id"]))
    ids = ([i["sender_id"] for i in items if "sender_id" in i]
           + [i["recipient_id"] for i in items if "recipient_id" in i]
           + [i["account_id"] for i in items if "account_id" in i])
    names = db_accounts.handles_by_ids(conn, ids)
    out = []
    for item in items:
        shown = {k: v for k, v in item.items()
                 if k not in ("sender_id", "recipient_id", "account_id")}
        if "sender_id" in item:
            shown["from"] = names[item["sender_id"]]
        if "recipient_id" in item:
            shown["to"] = names[item["recipient_id"]]
        if "account_id" in item:
            shown["handle"] = names[item["account_id"]]
        shown["created_at"] = to_iso(item["created_at"])
        out.append(shown)
    return out


def resolve_reports(conn: Conn, account: dict[str, Any], actor: int | None,
                    now: float, note: str | None = None) -> list[int]:
    """Close the open reports about an account (they leave the queue; the record stays)."""
    ids = [r["id"] for r in db_enforcement.open_reports(conn) if r["account_id"] == account["id"]]
    if not ids:
        raise NotFound(f"no open reports about @{account['handle']}", "handle")
    db_enforcement.resolve_reports(conn, ids, now, actor)
    db_audit.audit(conn, now, "reports_resolved", account["id"], actor, report_ids=ids, note=note)
    return ids


# -- why is this account restricted today ------------------------------------------

def _first(entries: list[dict[str, Any]], action: str, **match: Any) -> dict[str, Any] | None:
    for entry in entries:
        if entry["action"] == action and all(entry["detail"].get(k) == v
                                             for k, v in match.items()):
            return entry
    return None


def _when(ts: float | None) -> str:
    return to_iso(ts) or "never"


def _span(seconds: float) -> str:
    """A span for people: 7d, 1.5d, 23.5h, 5m, 30s."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{round(seconds / size, 1):g}{unit}"
    return f"{math.ceil(seconds)}s"


def _step_words(kind: str | None, seconds: float | None) -> str:
    """A ladder step in words: "a warning", "a 1d ban", "a permanent ban"."""
    if kind != "ban":
        return f"a {kind}" if kind else "nothing recorded"
    return "a permanent ban" if seconds is None else f"a {_span(seconds)} ban"


def explain(conn: Conn, policy: Policy, account: dict[str, Any],
            now: float) -> list[dict[str, Any]]:
    """Every restriction on the account now, each traced to the audit entries behind it.

    Entries: active bans (with the strike or moderator action that caused them),
    active strikes (with their expiry and the ladder step they brought), the flag
    (with the reports or the moderator that raised it), and open appeals of any of
    them. An account with no restriction gets an empty list.
    """
    entries = db_audit.audit_of(conn, account["id"])
    names = db_accounts.handles_by_ids(conn, [e["actor_id"] for e in entries if e["actor_id"]])

    def who(entry: dict[str, Any] | None) -> str:
        if entry is None or entry["actor_id"] is None:
            return "the system"
        return "@" + names.get(entry["actor_id"], str(entry["actor_id"]))

    def appeal_note(kind: str, target: int) -> tuple[str, list[int]]:
        entry = _first(entries, "appeal", target_kind=kind, target_id=target)
        if entry is None:
            return "", []
        decided = next((e for e in entries if e["action"].startswith("appeal_")
                        and e["detail"].get("appeal_id") == entry["detail"]["appeal_id"]), None)
        if decided is None:
            return f" Appealed on {_when(entry['at'])}; awaiting a decision.", [entry["id"]]
        state = decided["action"].removeprefix("appeal_")
        return (f" Appealed on {_when(entry['at'])}; {state} by {who(decided)}.",
                [entry["id"], decided["id"]])

    out: list[dict[str, Any]] = []
    strikes_now = db_enforcement.active_strikes(conn, account["id"], now)

    for ban in db_enforcement.bans_of(conn, account["id"]):
        if not ban_in_force(ban["until"], now, ban["lifted_at"]):
            continue
        ban_entry = _first(entries, "ban", ban_id=ban["id"])
        ids = [ban_entry["id"]] if ban_entry else []
        length = ("permanently" if ban["until"] is None
                  else f"until {_when(ban['until'])} ({_span(ban['until'] - now)} left)")
        text = f"Banned ({ban['scope']}) {length}, since {_when(ban['created_at'])}"
        if ban["strike_id"] is not None:
            strike_entry = _first(entries, "strike", strike_id=ban["strike_id"])
            if strike_entry:
                ids.insert(0, strike_entry["id"])
                d = strike_entry["detail"]
                text += (f": the ladder step for active strike {d.get('active_strikes')} "
                         f"(strike {ban['strike_id']}, {d.get('category')}, "
                         f"{d.get('source')}, by {who(strike_entry)})")
        else:
            text += f": by {who(ban_entry)}"
        if ban["reason"]:
            text += f"; reason: {ban['reason']}"
        note, more = appeal_note("ban", ban["id"])
        out.append({"restriction": "ban", "id": ban["id"], "scope": ban["scope"],
                    "since": to_iso(ban["created_at"]), "until": to_iso(ban["until"]),
                    "text": text + "." + note, "audit_ids": ids + more})

    for n, strike in enumerate(strikes_now, start=1):
        entry = _first(entries, "strike", strike_id=strike["id"])
        step = (_step_words(entry["detail"].get("ladder_step"), entry["detail"].get("ban_seconds"))
                if entry else "unknown (no audit entry)")
        text = (f"Strike {strike['id']} ({strike['category']}, {strike['source']}, "
                f"by {who(entry)}) on {_when(strike['created_at'])}; counts until "
                f"{_when(strike['expires_at'])}. Active strike {n} of {len(strikes_now)}; "
                f"it brought: {step}.")
        if strike["note"]:
            text = text[:-1] + f"; note: {strike['note']}."
        nxt = step_for(policy.enforcement.ladder, len(strikes_now) + 1)
        if n == len(strikes_now):
            text += f" A further strike now would bring {_step_words(nxt.kind, nxt.seconds)}."
        note, more = appeal_note("strike", strike["id"])
        out.append({"restriction": "strike", "id": strike["id"], "category": strike["category"],
                    "since": to_iso(strike["created_at"]), "until": to_iso(strike["expires_at"]),
                    "text": text + note, "audit_ids": ([entry["id"]] if entry else []) + more})

    if account["flagged_at"] is not None:
        flag = next((e for e in reversed(entries) if e["action"] == "flag"), None)
        ids = [flag["id"]] if flag else []
        source = account["flag_source"]
        if source == "reports":
            report_ids = {r["id"] for r in flag_reports(conn, policy, account,
                                                         account["flagged_at"])}
            counted = [e for e in entries if e["action"] == "report"
                       and e["detail"].get("report_id") in report_ids]
            reporters = sorted({who(e) for e in counted})
            text = (f"Flagged on {_when(account['flagged_at'])} after reports from "
                    f"{len(reporters)} distinct accounts ({', '.join(reporters)}) within "
                    f"{_span(policy.flags.report_window)}. Completing verification clears it.")
            ids = [e["id"] for e in counted] + ids
        else:
            reason = (flag or {}).get("detail", {}).get("reason")
            text = (f"Flagged on {_when(account['flagged_at'])} by {who(flag)}"
                    + (f"; reason: {reason}" if reason else "")
                    + ". Only a moderator can clear it.")
        text += " While flagged it may message only accounts that follow it."
        out.append({"restriction": "flag", "id": None, "source": source,
                    "since": to_iso(account["flagged_at"]), "until": None,
                    "text": text, "audit_ids": ids})
    return out
