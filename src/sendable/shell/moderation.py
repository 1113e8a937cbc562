"""Moderation and enforcement as people ask for it: reports, strikes, bans, flags, held
messages, appeals and the audit log. What is recorded, and how, is
enforcement/actions.py; what moderators read is review.py."""

from __future__ import annotations

from typing import Any

from sendable.clock import to_iso
from sendable.enforcement import actions
from sendable.enforcement.actions import APPEAL_KINDS, TARGET_FORMS
from sendable.errors import Invalid, NotFound
from sendable.inputs import check_note, check_until
from sendable.shell import appeal_effects, held_review, review
from sendable.shell.appealables import appealables
from sendable.shell.context import Shell, find_account, moderator_id
from sendable.shell.learning import label_from_verdict
from sendable.store import accounts as db_accounts
from sendable.store import enforcement as db_enforcement
from sendable.store import held as db_held
from sendable.store import messages as db_messages
from sendable.store import moderation as db_audit

MAX_ID = 2**63 - 1
NAMED_TARGETS = tuple(f"last_{kind}" for kind in APPEAL_KINDS)  # the newest of each kind  # the largest id the store can hold


def parse_target(target: Any) -> tuple[str, int]:
    """`<kind>:<id>` (actions.APPEAL_KINDS), the id 1 to 2^63-1 in ASCII digits only;
    Invalid naming `target` otherwise."""
    if not isinstance(target, str) or len(target) > 40:
        raise Invalid(f"target must be {TARGET_FORMS}", "target")
    kind, _, raw_id = target.partition(":")
    if (kind not in APPEAL_KINDS or not raw_id.isascii() or not raw_id.isdigit()
            or len(raw_id) > 19 or not 1 <= int(raw_id) <= MAX_ID):
        raise Invalid(f"target must be {TARGET_FORMS}", "target")
    return kind, int(raw_id)


class Moderation:
    def __init__(self, shell: Shell) -> None:
        self.shell = shell

    # -- reports ----------------------------------------------------------------

    def report(self, by: str, reason: str, of: str | None = None,
               message_id: int | None = None) -> int:
        if not isinstance(reason, str) or not reason.strip() or len(reason) > 64:
            raise Invalid("reason must be 1-64 characters", "reason")
        check_note(reason, "reason")
        with self.shell.unit.write() as conn:
            reporter = find_account(conn, by)
            if message_id is not None:
                message = db_messages.message_by_id(conn, message_id)
                # A message the reporter was never shown (another's, or held) reads
                # exactly as one that does not exist.
                if (message is None or message["recipient_id"] != reporter["id"]
                        or not message["visible"]):
                    raise NotFound("no such message in your conversations", "message_id")
                target = db_accounts.account_by_id(conn, message["sender_id"]) or {}
            elif of is not None:
                target = find_account(conn, of)
            else:
                raise Invalid("name a handle or a message_id to report", "handle")
            return actions.report(conn, self.shell.policy, reporter, dict(target),
                                  reason.strip(), self.shell.now(), message_id)

    def resolve_reports(self, handle: str, actor: str | None = None,
                        note: str | None = None, verdict: str | None = None) -> list[int]:
        """Close the open reports about an account; returns their ids. With a
        ``verdict`` (upheld / dismissed) each reported message becomes a label: spam
        for a report whose reason is spam, abuse otherwise."""
        if verdict not in (None, "upheld", "dismissed"):
            raise Invalid("verdict must be upheld or dismissed", "verdict")
        with self.shell.unit.write() as conn:
            account, mod, now = find_account(conn, handle), moderator_id(conn, actor), \
                self.shell.now()
            reported = [r for r in db_enforcement.open_reports(conn)
                        if r["account_id"] == account["id"] and r["message_id"] is not None]
            ids = review.resolve_reports(conn, account, mod, now, note)
            if verdict is not None:
                for message_id, reason in {r["message_id"]: r["reason"] for r in reported}.items():
                    message = db_messages.message_by_id(conn, message_id)
                    if message is not None:
                        kind = "spam" if "spam" in reason.lower() else "abuse"
                        label_from_verdict(conn, kind, message["text"], verdict == "upheld",
                                           f"report_{verdict}", mod, now, message_id)
            return ids

    # -- strikes, bans, flags ------------------------------------------------------

    def ban(self, handle: str, seconds: float | None, scope: str | None = None,
            actor: str | None = None, reason: str | None = None) -> int:
        """Ban an account for `seconds` (None: permanently); the scope defaults to the
        policy's enforcement.ban_scope."""
        check_note(reason, "reason")
        scope = scope or self.shell.policy.enforcement.ban_scope
        with self.shell.unit.write() as conn:
            account = find_account(conn, handle)
            now = self.shell.now()
            until = check_until(now, seconds)
            return actions.add_ban(conn, account["id"], scope, until, now, "moderator",
                                   moderator_id(conn, actor), reason=reason)

    def unban(self, handle: str, actor: str | None = None,
              reason: str | None = None) -> list[int]:
        check_note(reason, "reason")
        with self.shell.unit.write() as conn:
            account = find_account(conn, handle)
            return actions.lift_bans(conn, account["id"], self.shell.now(),
                                     moderator_id(conn, actor),
                                     reason or "lifted by a moderator")

    def strike(self, handle: str, category: str, actor: str | None = None,
               note: str | None = None) -> int:
        check_note(note, "note")
        with self.shell.unit.write() as conn:
            account = find_account(conn, handle)
            return actions.add_strike(conn, self.shell.policy, account["id"], category,
                                      "moderator", self.shell.now(), moderator_id(conn, actor),
                                      note=note)

    def flag(self, handle: str, actor: str | None = None, reason: str | None = None) -> None:
        check_note(reason, "reason")
        with self.shell.unit.write() as conn:
            actions.set_flag(conn, find_account(conn, handle), "moderator", self.shell.now(),
                             moderator_id(conn, actor), reason)

    def unflag(self, handle: str, actor: str | None = None, reason: str | None = None) -> None:
        check_note(reason, "reason")
        with self.shell.unit.write() as conn:
            actions.clear_flag(conn, find_account(conn, handle), self.shell.now(),
                               moderator_id(conn, actor), reason or "cleared by a moderator")

    # -- held messages ---------------------------------------------------------------

    def release(self, message_id: int, actor: str | None = None) -> dict[str, Any]:
        """Show a held message (direct or group, held_review.find_held) to its
        recipient or its group."""
        with self.shell.unit.write() as conn:
            actor_id = moderator_id(conn, actor)
            return held_review.release(conn, message_id, actor_id, self.shell.now())

    def confirm_held(self, message_id: int, actor: str | None = None) -> dict[str, Any]:
        """A moderator agrees a held message (direct or group) breaks the rules: it
        stays held, leaves the queue, and becomes a label for the check that held it."""
        with self.shell.unit.write() as conn:
            actor_id = moderator_id(conn, actor)
            return held_review.confirm(conn, message_id, actor_id, self.shell.now())

    def held(self) -> list[dict[str, Any]]:
        """Held direct messages awaiting a decision (the queue has group ones too)."""
        with self.shell.unit.read() as conn:
            rows = db_held.held_messages(conn)
            names = db_accounts.handles_by_ids(conn, [r["sender_id"] for r in rows]
                                               + [r["recipient_id"] for r in rows])
            return [{"id": r["id"], "from": names[r["sender_id"]], "to": names[r["recipient_id"]],
                     "text": r["text"], "sent_at": to_iso(r["sent_at"]), "reasons": r["reasons"]}
                    for r in rows]

    def label_message(self, message_id: int, is_spam: bool, actor: str | None = None) -> None:
        """A moderator's verdict on a stored message: the content model learns from it."""
        with self.shell.unit.write() as conn:
            self.shell.models.label(conn, message_id, is_spam, moderator_id(conn, actor),
                                    self.shell.now())

    # -- what moderators read ------------------------------------------------------------

    def queue(self) -> list[dict[str, Any]]:
        """Held messages, open reports per account and open appeals, most urgent first
        (review.queue says how each is scored)."""
        with self.shell.unit.read() as conn:
            return review.queue(conn, self.shell.now())

    def explain_restrictions(self, handle: str) -> list[dict[str, Any]]:
        """Why the account is restricted now: each ban, strike and flag in force, in words,
        with the audit ids that record its cause (empty when nothing restricts it)."""
        with self.shell.unit.read() as conn:
            return review.explain(conn, self.shell.policy, find_account(conn, handle),
                                  self.shell.now())

    def audit_log(self, handle: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        with self.shell.unit.read() as conn:
            account = find_account(conn, handle)["id"] if handle else None
            rows = db_audit.audit_entries(conn, account, limit)
            names = db_accounts.handles_by_ids(
                conn, [r["account_id"] for r in rows if r["account_id"]]
                + [r["actor_id"] for r in rows if r["actor_id"]])
            return [{"id": r["id"], "at": to_iso(r["at"]), "action": r["action"],
                     "account": names.get(r["account_id"]), "actor": names.get(r["actor_id"]),
                     "detail": r["detail"]} for r in rows]

    # -- appeals -----------------------------------------------------------------------

    def last_target(self, handle: str, kind: str) -> int:
        """The id of an account's newest ban, strike, held message, refused attempt, flag
        in force or closed group (scenarios say last_ban, last_strike, last_held, …)."""
        with self.shell.unit.read() as conn:
            account = find_account(conn, handle)
            if kind in ("ban", "strike"):
                rows = (db_enforcement.bans_of(conn, account["id"]) if kind == "ban"
                        else db_enforcement.strikes_of(conn, account["id"]))
                ids = [rows[-1]["id"]] if rows else []
            else:
                mine = appealables(conn, account, self.shell.now(), {})
                held = mine["held"]
                found = {"held": [h for h in held if h["appeal_target"].startswith("held:")],
                         "held_group": [h for h in held
                                        if h["appeal_target"].startswith("held_group:")],
                         "attempt": mine["refused"],
                         "flag": [mine["flag"]] if mine["flag"] else [],
                         "group": mine["closed_groups"]}[kind]
                ids = [int(found[0]["appeal_target"].split(":")[1])] if found else []
            if not ids:
                raise NotFound(f"@{handle} has no {kind} to appeal", "target")
            return ids[0]

    def appeal(self, by: str, target: str, statement: str) -> int:
        """Appeal a target (parse_target; one appeal each)."""
        check_note(statement, "statement")
        if target in NAMED_TARGETS:
            kind = target.removeprefix("last_")
            target = f"{kind}:{self.last_target(by, kind)}"
        kind, target_id = parse_target(target)
        with self.shell.unit.write() as conn:
            account = find_account(conn, by)
            return actions.appeal(conn, account["id"], kind, target_id, statement,
                                  self.shell.now())

    def decide_appeal(self, appeal_id: int, decision: str, actor: str | None = None,
                      note: str | None = None) -> dict[str, Any]:
        """Uphold or overturn; an overturn undoes what was appealed, and the verdict
        becomes a label for the content models (shell/appeal_effects.py)."""
        check_note(note, "note")
        if decision not in ("uphold", "overturn"):
            raise Invalid("decision must be uphold or overturn", "decision")
        with self.shell.unit.write() as conn:
            mod, now = moderator_id(conn, actor), self.shell.now()
            appeal = db_enforcement.appeal_by_id(conn, appeal_id)
            extra: dict[str, Any] = {}
            if appeal is not None and appeal["state"] == "open":
                state = "upheld" if decision == "uphold" else "overturned"
                extra = appeal_effects.apply_decision(conn, self.shell, appeal, state, mod,
                                                      now)
            result = actions.decide_appeal(conn, appeal_id, decision, mod, now, note)
            return {**result, **extra}

    def appeals(self, handle: str | None = None,
                state: str | None = None) -> list[dict[str, Any]]:
        with self.shell.unit.read() as conn:
            account = find_account(conn, handle)["id"] if handle else None
            rows = db_enforcement.appeals_of(conn, account, state)
            names = db_accounts.handles_by_ids(conn, [r["account_id"] for r in rows])
            return [{"id": r["id"], "handle": names[r["account_id"]],
                     "target": f"{r['target_kind']}:{r['target_id']}",
                     "statement": r["statement"], "state": r["state"],
                     "created_at": to_iso(r["created_at"]),
                     "decided_at": to_iso(r["decided_at"]), "note": r["note"]} for r in rows]
