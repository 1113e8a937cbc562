"""Enforcement as it is recorded: strikes and the ladder, bans, flags, reports, appeals.

Every change here appends to the audit log in the same transaction, so a
moderator can always reconstruct why an account is restricted.
"""

from __future__ import annotations

from typing import Any

from sendable.enforcement.ladder import step_for
from sendable.errors import Conflict, Invalid, NotFound
from sendable.policy import Policy
from sendable.reasons import GUIDELINE_CATEGORIES
from sendable.store import accounts as db_accounts
from sendable.store import driver as db_driver
from sendable.store import enforcement as db_enforcement
from sendable.store import groups as db_groups
from sendable.store import messages as db_messages
from sendable.store import moderation as db_audit
from sendable.store import refused_attempts as db_refused
from sendable.store.driver import Conn

_DAY = 86400.0
MAX_STATEMENT = 2000


def add_strike(conn: Conn, policy: Policy, account: int, category: str, source: str,
               now: float, actor: int | None = None, text: str | None = None,
               note: str | None = None, client_msg_id: str | None = None) -> int:
    """Record a strike and apply the ladder step it reaches."""
    if category not in GUIDELINE_CATEGORIES:
        raise Invalid(f"category must be one of {', '.join(GUIDELINE_CATEGORIES)}", "category")
    expires = now + policy.enforcement.strike_expiry_days * _DAY
    strike_id = db_enforcement.insert_strike(conn, account_id=account, category=category, source=source,
                                   message_text=text, actor_id=actor, note=note,
                                   created_at=now, expires_at=expires,
                                   client_msg_id=client_msg_id)
    active = len(db_enforcement.active_strikes(conn, account, now))
    step = step_for(policy.enforcement.ladder, active)
    db_audit.audit(conn, now, "strike", account, actor, strike_id=strike_id, category=category,
               source=source, active_strikes=active, ladder_step=step.kind,
               ban_seconds=step.seconds, note=note)
    if step.kind == "ban":
        until = None if step.seconds is None else now + step.seconds
        add_ban(conn, account, policy.enforcement.ban_scope, until, now, source="ladder",
                strike_id=strike_id, reason=f"strike {active} ({category})")
    return strike_id


def add_ban(conn: Conn, account: int, scope: str, until: float | None, now: float,
            source: str, actor: int | None = None, strike_id: int | None = None,
            reason: str | None = None) -> int:
    if scope not in ("messaging", "account"):
        raise Invalid("scope must be messaging or account", "scope")
    ban_id = db_enforcement.insert_ban(conn, account_id=account, scope=scope, created_at=now, until=until,
                             source=source, actor_id=actor, strike_id=strike_id, reason=reason)
    db_audit.audit(conn, now, "ban", account, actor, ban_id=ban_id, scope=scope, until=until,
               source=source, strike_id=strike_id, reason=reason)
    return ban_id


def lift_bans(conn: Conn, account: int, now: float, actor: int | None,
              why: str) -> list[int]:
    lifted = []
    while (ban := db_enforcement.active_ban(conn, account, now)) is not None:
        db_enforcement.update_ban(conn, ban["id"], lifted_at=now)
        db_audit.audit(conn, now, "unban", account, actor, ban_id=ban["id"], reason=why)
        lifted.append(ban["id"])
    return lifted


def set_flag(conn: Conn, account: dict[str, Any], source: str, now: float,
             actor: int | None = None, reason: str | None = None) -> None:
    if account["flagged_at"] is not None:
        return
    db_accounts.update_account(conn, account["id"], flagged_at=now, flag_source=source)
    flag_id = db_audit.audit(conn, now, "flag", account["id"], actor, source=source,
                             reason=reason)
    # The flag's id (its audit entry) is what its holder appeals: `flag:<id>`.
    db_accounts.update_account(conn, account["id"], flag_id=flag_id)


def clear_flag(conn: Conn, account: dict[str, Any], now: float, actor: int | None,
               why: str) -> None:
    if account["flagged_at"] is None:
        return
    newest = db_enforcement.newest_report_id(conn, account["id"])
    db_accounts.update_account(conn, account["id"], flagged_at=None, flag_source=None,
                        flag_id=None, flag_cleared_at=now, flag_cleared_report=newest or 0)
    db_audit.audit(conn, now, "unflag", account["id"], actor, reason=why)


def report(conn: Conn, policy: Policy, reporter: dict[str, Any],
           target: dict[str, Any], reason: str, now: float,
           message_id: int | None = None) -> int:
    """File a report; enough distinct reporters in the window flag the account."""
    if reporter["id"] == target["id"]:
        raise Invalid("you cannot report yourself", "handle")
    report_id = db_enforcement.insert_report(conn, reporter_id=reporter["id"], account_id=target["id"],
                                   message_id=message_id, reason=reason, created_at=now)
    db_audit.audit(conn, now, "report", target["id"], reporter["id"], report_id=report_id,
               reason=reason, message_id=message_id)
    reporters = len({r["reporter_id"] for r in flag_reports(conn, policy, target, now)})
    if reporters >= policy.flags.reports_to_flag:
        set_flag(conn, target, "reports", now,
                 reason=f"{reporters} distinct reporters within the report window")
    return report_id


def flag_reports(conn: Conn, policy: Policy, account: dict[str, Any],
                 now: float) -> list[dict[str, Any]]:
    """The reports that count toward flagging the account at `now`: the one rule that
    flags an account and that its explanation cites."""
    return db_enforcement.reports_toward_flag(conn, account["id"],
                                              now - policy.flags.report_window, now,
                                              account.get("flag_cleared_report") or 0)


# What can be appealed, as `<kind>:<id>`: a ban, a strike, a closed group (its owner),
# a held message, direct or in a group (its sender), a refused attempt (its sender) and a flag (its holder).
APPEAL_KINDS = ("ban", "strike", "group", "held", "held_group", "attempt", "flag")
TARGET_FORMS = ("ban:<id>, strike:<id>, group:<id>, held:<id>, held_group:<id>, attempt:<id> "
                "or flag:<id>")


def _target(conn: Conn, kind: str, target_id: int, account: int) -> dict[str, Any]:
    """The appealed thing, if it is the appellant's (another's reads as one that does
    not exist)."""
    if kind == "group":  # a closed group, appealed by its owner
        group = db_groups.group_by_id(conn, target_id)
        if group is None or group["owner_id"] != account or group["closed_at"] is None:
            raise NotFound(f"no closed group {target_id} of yours", "target")
        return dict(group)
    if kind == "held":  # a message of theirs that is held for review
        message = db_messages.message_by_id(conn, target_id)
        if (message is None or message["sender_id"] != account
                or message["outcome"] != "held" or message["visible"]):
            raise NotFound(f"no held message {target_id} of yours", "target")
        return message
    if kind == "held_group":  # a group message of theirs that is held for review
        message = db_groups.group_message_by_id(conn, target_id)
        if (message is None or message["sender_id"] != account
                or message["outcome"] != "held" or message["visible"]):
            raise NotFound(f"no held group message {target_id} of yours", "target")
        return message
    if kind == "attempt":  # a send of theirs that was refused
        attempt = db_refused.attempt_by_id(conn, target_id)
        if attempt is None or attempt["sender_id"] != account:
            raise NotFound(f"no refused attempt {target_id} of yours", "target")
        return attempt
    if kind == "flag":  # the flag on their account, while it is in force
        row = db_accounts.account_by_id(conn, account) or {}
        if row.get("flagged_at") is None or row.get("flag_id") != target_id:
            raise NotFound(f"no flag {target_id} on your account", "target")
        return row
    row = (db_enforcement.ban_by_id(conn, target_id) if kind == "ban"
           else db_enforcement.strike_by_id(conn, target_id))
    if row is None or row["account_id"] != account:
        raise NotFound(f"no {kind} {target_id} on your account", "target")
    return row


def appeal(conn: Conn, account: int, kind: str, target_id: int, statement: str,
           now: float) -> int:
    if kind not in APPEAL_KINDS:
        raise Invalid(f"target must be {TARGET_FORMS}", "target")
    if not isinstance(statement, str) or not statement.strip():
        raise Invalid("statement must not be empty", "statement")
    if len(statement) > MAX_STATEMENT:
        raise Invalid(f"statement is longer than {MAX_STATEMENT} characters", "statement")
    _target(conn, kind, target_id, account)
    try:
        appeal_id = db_enforcement.insert_appeal(conn, account_id=account, target_kind=kind,
                                       target_id=target_id, statement=statement.strip(),
                                       state="open", created_at=now)
    except db_driver.DuplicateRow as error:
        raise Conflict(str(error), "target") from None
    db_audit.audit(conn, now, "appeal", account, account, appeal_id=appeal_id, target_kind=kind,
               target_id=target_id)
    return appeal_id


def decide_appeal(conn: Conn, appeal_id: int, decision: str, moderator: int | None,
                  now: float, note: str | None = None) -> dict[str, Any]:
    """Uphold or overturn. Overturning removes the strike and lifts the ban it caused
    (or, for a ban, lifts it and removes the strike that caused it), reopens a closed
    group, clears a flag. A held message's release and a refused attempt's delivery
    are the shell's (shell/appeal_effects.py): they need the send path."""
    if decision not in ("uphold", "overturn"):
        raise Invalid("decision must be uphold or overturn", "decision")
    row = db_enforcement.appeal_by_id(conn, appeal_id)
    if row is None:
        raise NotFound(f"no appeal {appeal_id}", "appeal")
    if row["state"] != "open":
        raise Conflict(f"appeal {appeal_id} was already decided ({row['state']})", "appeal")
    state = "upheld" if decision == "uphold" else "overturned"
    db_enforcement.update_appeal(conn, appeal_id, state=state, decided_at=now, decided_by=moderator,
                       note=note)
    account = row["account_id"]
    removed: dict[str, list[int]] = {"strikes": [], "bans": []}
    if decision == "overturn" and row["target_kind"] == "group":  # the group reopens
        db_groups.update_group(conn, row["target_id"], closed_at=None)
        db_audit.audit(conn, now, "reopen_group", account, moderator,
                       group_id=row["target_id"], reason=f"appeal {appeal_id} overturned")
    elif decision == "overturn" and row["target_kind"] == "flag":  # the flag is cleared
        holder = db_accounts.account_by_id(conn, account)
        if holder is not None and holder["flag_id"] == row["target_id"]:
            clear_flag(conn, holder, now, moderator, f"appeal {appeal_id} overturned")
    elif decision == "overturn" and row["target_kind"] in ("ban", "strike"):
        if row["target_kind"] == "strike":
            strike_ids = [row["target_id"]]
            ban_ids = [b["id"] for b in db_enforcement.bans_of(conn, account)
                       if b["strike_id"] == row["target_id"] and b["lifted_at"] is None]
        else:
            ban = db_enforcement.ban_by_id(conn, row["target_id"]) or {}
            ban_ids = [row["target_id"]]
            strike_ids = [ban["strike_id"]] if ban.get("strike_id") else []
        for strike_id in strike_ids:
            db_enforcement.update_strike(conn, strike_id, removed_at=now)
            removed["strikes"].append(strike_id)
        for ban_id in ban_ids:
            if (db_enforcement.ban_by_id(conn, ban_id) or {}).get("lifted_at") is None:
                db_enforcement.update_ban(conn, ban_id, lifted_at=now)
                removed["bans"].append(ban_id)
    db_audit.audit(conn, now, f"appeal_{state}", account, moderator, appeal_id=appeal_id,
               target_kind=row["target_kind"], target_id=row["target_id"], note=note,
               removed_strikes=removed["strikes"], lifted_bans=removed["bans"])
    return {"id": appeal_id, "state": state, **removed}
