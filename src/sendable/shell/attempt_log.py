"""The attempt log's writer, and shadow mode: both hang off the one send path.

`Sending.send_many` hands every decided attempt (delivered, requested, held or
refused; direct or to a group; never a dry run or a replayed client_msg_id) to
`note`, and `write` appends the batch's records in its own transaction, with one
statement. Under shadow mode `note` also decides the attempt under the shadow
policy, with the same gate, and counts where the two disagree: nothing of that
reaches the sender.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from dataclasses import dataclass, field, replace
from typing import Any

from sendable.gate import Decision, Facts, decide
from sendable.lab.codec import encode_content, encode_facts
from sendable.policy import Policy
from sendable.reasons import Finding, render_all
from sendable.shell.content import ContentAnalyser
from sendable.shell.context import Shell
from sendable.store import attempts as db_attempts
from sendable.store.driver import Conn
from sendable.text.fingerprint import fingerprint

_SAMPLE_SCALE = 1 << 32
PRUNE_EVERY = 3600.0  # seconds of clock time between two prunes of the log


def sampled(sender_id: int, share: float) -> bool:
    """Whether a sender's attempts are logged under `audit.attempt_sample`: whole
    senders are kept or left out (never some of one sender's attempts), so their
    windows re-simulate exactly."""
    if share >= 1.0:
        return True
    return (sender_id * 2654435761) % _SAMPLE_SCALE < share * _SAMPLE_SCALE


def text_keys(policy: Policy) -> tuple[Any, ...]:
    """The policy keys the text layer reads (shell/content.py): when a candidate changes
    any of them, the text must be read again to re-decide."""
    return (policy.spam.blocked_terms, policy.guidelines.extra_terms,
            policy.guidelines.offensive_threshold)


def primary(findings: tuple[Finding, ...]) -> str:
    return findings[0].code if findings else "none"


@dataclass
class Shadow:
    """A policy every live attempt is also decided under, and where they differ."""

    policy: Policy
    analyser: ContentAnalyser | None  # None: the live text layer's findings serve
    since: float
    source: str = ""
    diffs: Counter = field(default_factory=Counter)  # (from, to, code) -> count
    decided: int = 0
    examples: deque = field(default_factory=lambda: deque(maxlen=50))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def observe(self, facts: Facts, live: Decision, text: str, at: float,
                handles: tuple[str, str]) -> None:
        content = facts.content
        if self.analyser is not None and text.strip():
            content = self.analyser.analyse(text, with_fingerprint=facts.to_stranger)
        shadow = decide(replace(facts, content=content) if content is not facts.content
                        else facts, self.policy)
        with self.lock:
            self.decided += 1
            if shadow.outcome == live.outcome and primary(shadow.findings) == primary(
                    live.findings):
                return
            code = primary(shadow.findings) if shadow.findings else primary(live.findings)
            self.diffs[(live.outcome, shadow.outcome, code)] += 1
            self.examples.appendleft({
                "at": at, "from": handles[0], "to": handles[1], "text": text,
                "live": {"outcome": live.outcome,
                         "reasons": render_all(live.findings, "moderator")},
                "shadow": {"outcome": shadow.outcome,
                           "reasons": render_all(shadow.findings, "moderator")}})


class AttemptLog:
    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        self.shadow: Shadow | None = None
        self._pruned_at: float | None = None

    def note(self, notes: list[dict[str, Any]], facts: Facts, decision: Decision,
             outcome: str, findings: tuple[Finding, ...], text: str,
             message_id: int | None, forward_of: str | None = None) -> None:
        """One decided attempt of the batch: its record, and its shadow decision."""
        shell = self.shell
        content = facts.content
        if content.fingerprint is None and facts.to_stranger and text.strip():
            # Kept after the text expires, so that near-duplicates can still be compared.
            content = replace(content, fingerprint=fingerprint(text))
            facts = replace(facts, content=content)
        shadow = self.shadow
        if shadow is not None:
            to = facts.recipient.handle if facts.group is None else f"group:{facts.group.id}"
            shadow.observe(facts, Decision(outcome, findings), text, facts.now,
                           (facts.sender.handle, to))
        audit = shell.policy.audit
        if not sampled(facts.sender.id, audit.attempt_sample):
            return
        strike = next((int(f.appeal_target.split(":", 1)[1]) for f in findings
                       if f.appeal_target and f.appeal_target.startswith("strike:")), None)
        notes.append({
            "at": facts.now, "sender_id": facts.sender.id,
            "recipient_id": facts.recipient.id if facts.group is None else None,
            "group_id": facts.group.id if facts.group is not None else None,
            "outcome": outcome, "codes": " ".join(f.code for f in findings),
            "digest": self._digest(), "models": self._models(),
            "facts": encode_facts(facts, forward_of), "content": encode_content(content),
            "text": text, "message_id": message_id, "strike_id": strike})

    def write(self, conn: Conn, notes: list[dict[str, Any]]) -> None:
        """Append the batch's records, in its transaction; now and then prune by age."""
        db_attempts.insert_many(conn, notes)
        now = self.shell.now()
        if self._pruned_at is None or abs(now - self._pruned_at) >= PRUNE_EVERY:
            self._pruned_at = now
            audit = self.shell.policy.audit
            db_attempts.prune(conn, now, audit.attempt_retention, audit.attempt_max_age)

    _digests: tuple[Policy | None, str] = (None, "")

    def _digest(self) -> str:
        policy = self.shell.policy
        if self._digests[0] is not policy:
            self._digests = (policy, policy.digest())
        return self._digests[1]

    def _models(self) -> str:
        return f'{{"spam":{self.shell.models.version}}}'


CONSENTS = ("accept", "decline")  # a recipient's answer to a request, logged beside sends


def log_consent(conn: Conn, shell: Shell, requester: int, by: int, action: str) -> None:
    """A recipient accepted or declined a request: the conversation's state changed
    outside sending, and the replay must know when (lab/replay.py). Logged as the
    requester's (so sampling keeps or leaves it with their attempts)."""
    if not sampled(requester, shell.policy.audit.attempt_sample):
        return
    db_attempts.insert_many(conn, [{
        "at": shell.now(), "sender_id": requester, "recipient_id": by, "group_id": None,
        "outcome": action, "codes": "", "digest": shell.policy.digest(),
        "models": f'{{"spam":{shell.models.version}}}', "facts": "{}", "content": "{}",
        "text": None, "message_id": None, "strike_id": None}])
