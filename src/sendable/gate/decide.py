"""Run every check, order the findings, and name the outcome."""

from __future__ import annotations

from dataclasses import dataclass

from sendable.gate.checks import CHECKS
from sendable.gate.facts import Facts
from sendable.policy import Policy
from sendable.reasons import Finding, ordered


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: str  # delivered | requested | held | refused
    findings: tuple[Finding, ...]  # every reason, in precedence order (true codes)

    @property
    def sendable(self) -> bool:
        return self.outcome != "refused"


def decide(facts: Facts, policy: Policy) -> Decision:
    """The decision for one attempt. Pure: same facts and policy, same answer."""
    findings: list[Finding] = []
    for check in CHECKS:
        found = check(facts, policy)
        if found:
            findings += found
    if len(findings) > 1:
        findings = ordered(findings)
    if not findings:
        outcome = "requested" if facts.group is None and facts.relation.is_request \
            else "delivered"  # no requests in a group
    elif any(f.effect == "refuse" for f in findings):
        outcome = "refused"
    else:  # only "hold" findings are left
        outcome = "held"
    return Decision(outcome, tuple(findings))
