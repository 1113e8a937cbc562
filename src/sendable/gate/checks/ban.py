"""Temporary and permanent bans of the sender."""

from __future__ import annotations

import math

from sendable.gate.facts import Facts
from sendable.policy import Policy
from sendable.reasons import Finding


def check(facts: Facts, policy: Policy) -> list[Finding]:
    ban = facts.sender.ban
    if ban is None or not ban.in_force(facts.now):
        return []
    detail = {"ban_id": ban.id, "scope": ban.scope}
    target = f"ban:{ban.id}"
    if ban.until is None:
        return [Finding("ban.permanent", appeal_target=target, detail=detail)]
    return [Finding("ban.temporary", retry_after=max(1, math.ceil(ban.until - facts.now)),
                    until=ban.until, appeal_target=target, detail=detail)]
