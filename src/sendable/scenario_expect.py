"""What a scenario step came to, and whether that is what its `expect` says."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sendable import scenario_contacts as people
from sendable.reasons import for_audience, render_all
from sendable.scenario_groups import INVITE_KEYS


def substitute(value: Any, i: int) -> Any:
    """A repeated step's value with `{i}` replaced by the repetition number."""
    if isinstance(value, str):
        return value.replace("{i}", str(i))
    if isinstance(value, dict):
        return {k: substitute(v, i) for k, v in value.items() if k != "repeat"}
    if isinstance(value, list):
        return [substitute(v, i) for v in value]
    return value


def observed_of(outcome: str, findings: Iterable[Any], audience: str,
              masks: dict[str, str] | None = None) -> dict[str, Any]:
    """A send attempt's result as the expectation keys name it."""
    findings = list(findings)
    shown = for_audience(findings, audience, masks)
    rendered = render_all(findings, audience, masks)
    primary = rendered[0] if rendered else None
    return {
        "outcome": outcome,
        "sendable": outcome != "refused",
        "codes": [f.code for f in shown],
        "code": primary["code"] if primary else None,
        "retry_after": primary["retry_after"] if primary else None,
        "appealable": primary["appealable"] if primary else None,
    }


def in_range(value: Any, bounds: Any) -> bool:
    if bounds is None:  # `retry_after: null`: no wait at all
        return value is None
    if value is None:
        return False
    if isinstance(bounds, dict):
        low, high = bounds.get("min"), bounds.get("max")
        return (low is None or value >= low) and (high is None or value <= high)
    return value == bounds


def check_expectations(expect: dict[str, Any], observed: dict[str, Any]) -> list[str]:
    """One line per expectation the observed result does not meet."""
    problems = []
    for key, wanted in expect.items():
        got = observed.get(key)
        if key == "codes":
            missing = [c for c in wanted if c not in observed.get("codes", [])]
            if missing:
                problems.append(f"expected codes {missing} among {observed.get('codes')}")
        elif key == "not_codes":
            present = [c for c in wanted if c in observed.get("codes", [])]
            if present:
                problems.append(f"expected no {present}, got {observed.get('codes')}")
        elif key in INVITE_KEYS and key in observed:
            if sorted(map(str, wanted or [])) != sorted(got):
                problems.append(f"expected {key} {wanted}, got {got}")
        elif key in people.EXPECT_KEYS:
            problems += people.handle_problems(key, wanted, observed)
        elif key in ("retry_after", "reputation"):
            if not in_range(got, wanted):
                problems.append(f"expected {key} {wanted}, got {got}")
        elif key not in observed:
            problems.append(f"unknown expectation {key!r}")
        elif got != wanted:
            detail = f" ({observed.get('code')})" if key == "outcome" and observed.get("code") else ""
            problems.append(f"expected {key} {wanted!r}, got {got!r}{detail}")
    return problems
