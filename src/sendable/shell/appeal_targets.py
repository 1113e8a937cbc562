"""Appeal targets that a send creates: a held message (`held:<id>`, in a group
`held_group:<id>`) and a refused
attempt (`attempt:<id>`), so that every appealable reason names something to appeal.

A refused attempt is kept only when an appealable reason refused it that has no
target of its own (the spam checks: a strike, a ban, a flag or a closed group is
its own target). It keeps what a moderator needs to decide it: the text, the
recipient or group, every reason in the moderator's view and as the sender was
shown them, the time and the client's id. The sender's answer names the attempt
only on the reasons that can be appealed, so it says nothing a refusal without
the private reasons (a block, an underage recipient) would not say.
"""

from __future__ import annotations

from typing import Any

from sendable.gate import Decision
from sendable.reasons import Finding, info, render_all
from sendable.store import refused_attempts as db_refused
from sendable.store.driver import Conn

MAX_PER_DAY = 200  # refused attempts kept per sender in any 24 h
_DAY = 86400.0


def _untargeted(finding: Finding) -> bool:
    return (finding.effect == "refuse" and finding.appeal_target is None
            and finding.code.startswith("spam.") and info(finding.code).appealable)


def keep_refused_attempt(conn: Conn, sender: dict[str, Any], findings: tuple[Finding, ...],
                         text: str, now: float, client_msg_id: str | None,
                         recipient_id: int | None = None,
                         group_id: int | None = None) -> tuple[Finding, ...]:
    """Store the refused attempt when an appealable spam reason refused it, and name it
    as those reasons' target. A retry of the same attempt (same client_msg_id) gets
    the same attempt back."""
    if not any(_untargeted(f) for f in findings):
        return findings
    attempt_id = (db_refused.attempt_for_client_id(conn, sender["id"], client_msg_id)
                  if client_msg_id else None)
    if attempt_id is None:
        # The same text to the same chat refused again within a day is the same
        # attempt to appeal; and a sender keeps at most MAX_PER_DAY a day, so refused
        # sends cannot fill the store (past it, the reasons have no target until the
        # day has room again).
        recent = db_refused.recent_attempts(conn, sender["id"], now - _DAY)
        attempt_id = next((r["id"] for r in recent if r["text"] == text
                           and r["recipient_id"] == recipient_id
                           and r["group_id"] == group_id), None)
        if attempt_id is None and len(recent) >= MAX_PER_DAY:
            return findings
    if attempt_id is None:
        attempt_id = db_refused.insert_attempt(
            conn, sender_id=sender["id"], recipient_id=recipient_id, group_id=group_id,
            text=text, reasons=render_all(findings, "moderator"),
            sender_reasons=[{"code": r["code"], "message": r["message"]}
                            for r in render_all(findings, "sender")],
            client_msg_id=client_msg_id, created_at=now)
    target = f"attempt:{attempt_id}"
    return tuple(Finding(f.code, f.effect, f.retry_after, f.until, target, f.detail)
                 if _untargeted(f) else f for f in findings)


def with_held_target(decision: Decision, message_id: int, kind: str = "held") -> Decision:
    """A held message's hold reasons name the message as their target (`held:<id>`, or
    `held_group:<id>` for a message to a group)."""
    target = f"{kind}:{message_id}"
    return Decision(decision.outcome, tuple(
        Finding(f.code, f.effect, f.retry_after, f.until, target, f.detail)
        if f.effect == "hold" and f.appeal_target is None and info(f.code).appealable else f
        for f in decision.findings))
