"""Community guidelines: each matched category's action decides."""

from __future__ import annotations

from sendable.gate.facts import Facts
from sendable.policy import Policy
from sendable.reasons import Finding


def check(facts: Facts, policy: Policy) -> list[Finding]:
    if not facts.content.guideline_matches:
        return []
    findings: list[Finding] = []
    actions = policy.guidelines.actions
    for category, match in facts.content.guideline_matches.items():
        action = getattr(actions, category)
        if action == "allow":
            continue
        findings.append(Finding(
            f"guidelines.{category}",
            effect="refuse" if action == "block" else "hold",
            detail={"action": action, "terms": list(match.terms),
                    "sources": list(match.sources), "score": round(match.score, 3),
                    **({} if getattr(match, "learned", None) is None
                       else {"learned": round(match.learned, 3)})},
        ))
    return findings
