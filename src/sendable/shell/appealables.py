"""What an account holder can appeal beyond bans and strikes, as their standing shows it:
messages of theirs held for review, sends refused by the spam checks, the flag on
their account, and groups of theirs that moderators closed.

Only what the holder was already shown appears here: a refused attempt carries the
reasons as they read them (a block reads as the recipient not accepting), never
the moderator's view.
"""

from __future__ import annotations

from typing import Any

from sendable.clock import to_iso
from sendable.reasons import CATALOGUE
from sendable.store import accounts as db_accounts
from sendable.store import groups as db_groups
from sendable.store import refused_attempts as db_refused
from sendable.store.driver import Conn

ATTEMPTS_SHOWN_DAYS = 30  # refused attempts older than this drop off the standing page


def _shown(reasons: Any) -> list[dict[str, Any]]:
    """The reasons of a held message as its sender may read them (hold reasons are
    never private, but a private code would be left out all the same)."""
    out = []
    for r in reasons or []:
        entry = CATALOGUE.get(str(r.get("code"))) if isinstance(r, dict) else None
        if entry is not None and entry.sender_code is None:
            out.append({"code": entry.code, "message": entry.message,
                        "appealable": entry.appealable})
    return out


def appealables(conn: Conn, row: dict[str, Any], now: float,
                appealed: dict[str, str]) -> dict[str, Any]:
    """The held messages, refused attempts, flag and closed groups of an account, each
    with its `appeal_target` and the state of its appeal (`appeal`, null if none)."""
    attempts = db_refused.attempts_of(conn, row["id"], now - ATTEMPTS_SHOWN_DAYS * 86400)
    held = db_refused.held_of(conn, row["id"])
    names = db_accounts.handles_by_ids(
        conn, [h["recipient_id"] for h in held]
        + [a["recipient_id"] for a in attempts if a["recipient_id"] is not None])
    group_names = {g["id"]: g["name"] for g in db_groups.groups_of(conn, row["id"])}
    closed = [g for g in db_groups.groups_of(conn, row["id"])
              if g["owner_id"] == row["id"] and g["closed_at"] is not None]

    def item(target: str) -> dict[str, Any]:
        return {"appeal_target": target, "appeal": appealed.get(target), "active": True}

    flag = None
    if row.get("flagged_at") is not None and row.get("flag_id") is not None:
        flag = {"since": to_iso(row["flagged_at"]), **item(f"flag:{row['flag_id']}")}
    held_items = [{"id": h["id"], "to": names.get(h["recipient_id"]), "group": None,
                   "text": h["text"], "sent_at": to_iso(h["sent_at"]), "at": h["sent_at"],
                   "reasons": _shown(h["reasons"]), **item(f"held:{h['id']}")} for h in held]
    for g in db_refused.held_group_messages_of(conn, row["id"]):
        held_items.append({"id": g["id"], "to": None, "group": group_names.get(g["group_id"]),
                           "text": g["text"], "sent_at": to_iso(g["sent_at"]),
                           "at": g["sent_at"], "reasons": _shown(g["reasons"]),
                           **item(f"held_group:{g['id']}")})
    held_items.sort(key=lambda h: -h.pop("at"))
    return {
        "held": held_items,
        "refused": [{"id": a["id"], "to": names.get(a["recipient_id"]),
                     "group": group_names.get(a["group_id"]) if a["group_id"] else None,
                     "text": a["text"], "attempted_at": to_iso(a["created_at"]),
                     "reasons": a["sender_reasons"], "delivered": a["delivered_outcome"],
                     **item(f"attempt:{a['id']}")} for a in attempts],
        "flag": flag,
        "closed_groups": [{"id": g["id"], "name": g["name"], "closed_at": to_iso(g["closed_at"]),
                           **item(f"group:{g['id']}")} for g in closed],
    }


def moderator_context(conn: Conn, kind: str, target: int) -> dict[str, Any]:
    """What a moderator needs to decide an appeal of a held message, a refused attempt,
    a flag or a closed group (bans and strikes are explained by review.explain)."""
    from sendable.store import enforcement as db_enforcement
    from sendable.store import messages as db_messages
    from sendable.store import moderation as db_audit

    if kind == "held":
        m = db_messages.message_by_id(conn, target) or {}
        names = db_accounts.handles_by_ids(conn, [m["recipient_id"]] if m else [])
        return {"text": m.get("text"), "to": names.get(m.get("recipient_id", 0)),
                "sent_at": to_iso(m.get("sent_at")), "reasons": m.get("reasons") or [],
                "still_held": bool(m) and not m["visible"]}
    if kind == "held_group":
        g = db_groups.group_message_by_id(conn, target) or {}
        group = db_groups.group_by_id(conn, g["group_id"]) if g else None
        return {"text": g.get("text"),
                "group": {"id": group["id"], "name": group["name"]} if group else None,
                "sent_at": to_iso(g.get("sent_at")), "reasons": g.get("reasons") or [],
                "still_held": bool(g) and not g["visible"]}
    if kind == "attempt":
        a = db_refused.attempt_by_id(conn, target) or {}
        names = db_accounts.handles_by_ids(conn, [a["recipient_id"]] if a.get("recipient_id")
                                           else [])
        group = db_groups.group_by_id(conn, a["group_id"]) if a.get("group_id") else None
        return {"text": a.get("text"), "to": names.get(a.get("recipient_id") or 0),
                "group": {"id": group["id"], "name": group["name"]} if group else None,
                "attempted_at": to_iso(a.get("created_at")), "reasons": a.get("reasons") or [],
                "client_msg_id": a.get("client_msg_id")}
    if kind == "flag":
        entry = db_audit.audit_entry(conn, target)
        holder = (db_accounts.account_by_id(conn, entry["account_id"]) if entry else None) or {}
        reports = [r for r in db_enforcement.open_reports(conn)
                   if r["account_id"] == holder.get("id")] if holder else []
        return {"flagged_at": to_iso(entry["at"]) if entry else None,
                "source": (entry or {}).get("detail", {}).get("source"),
                "reason": (entry or {}).get("detail", {}).get("reason"),
                "in_force": holder.get("flag_id") == target,
                "open_reports": [{"reason": r["reason"], "message_id": r["message_id"],
                                  "at": to_iso(r["created_at"])} for r in reports]}
    if kind == "group":
        g = db_groups.group_by_id(conn, target) or {}
        reports = db_groups.reports_of_group(conn, target) if g else []
        return {"name": g.get("name"), "closed_at": to_iso(g.get("closed_at")),
                "members": len([e for e in db_groups.entries(conn, target) if e["accepted"]])
                if g else 0,
                "reports": [{"reason": r["reason"], "at": to_iso(r["created_at"])}
                            for r in reports]}
    return {}
