"""A message to a group: only its members post, and nobody posts in a closed group."""

from __future__ import annotations

from sendable.gate.facts import Facts
from sendable.policy import Policy
from sendable.reasons import Finding


def check(facts: Facts, policy: Policy) -> list[Finding]:
    group = facts.group
    if group is None:
        return []
    findings: list[Finding] = []
    if not group.sender_is_member:
        findings.append(Finding("group.not_member"))
    if group.closed:
        # The closing is appealable by the owner, who alone gets a target for it.
        findings.append(Finding("group.closed", appeal_target=(
            f"group:{group.id}" if group.sender_is_owner else None),
            detail={"group_id": group.id}))
    return findings
