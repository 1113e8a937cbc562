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


# A decision without findings is one of two values: shared, as Decisions are frozen.
_REQUESTED = Decision("requested", ())
_DELIVERED = Decision("delivered", ())


def decide(facts: Facts, policy: Policy) -> Decision:
    """The decision for one attempt. Pure: same facts and policy, same answer."""
    findings: list[Finding] = []
    for check in CHECKS:
        found = check(facts, policy)
        if found:
            findings += found
    if not findings:  # no requests in a group
        return _REQUESTED if facts.group is None and facts.relation.is_request \
            else _DELIVERED
    if len(findings) > 1:
        findings = ordered(findings)
    outcome = "held"  # unless a finding refuses: only "hold" findings hold
    for finding in findings:
        if finding.effect == "refuse":
            outcome = "refused"
            break
    return Decision(outcome, tuple(findings))
