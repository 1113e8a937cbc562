"""The enforcement scenarios (tests/scenarios/enforcement) through the project's runner."""

from __future__ import annotations

from pathlib import Path

from sendable.scenario import run_paths

FOLDER = Path(__file__).resolve().parents[1] / "scenarios" / "enforcement"


def test_enforcement_scenarios_all_pass() -> None:
    results = run_paths([FOLDER])
    assert len(results) >= 10
    failures = [f.line() for r in results for f in r.failures]
    assert failures == [], "\n".join(failures)
    assert sum(r.passed for r in results) >= 50
