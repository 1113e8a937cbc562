"""Attempts whose text has expired: reported as not re-decidable when the candidate
changes a text rule, never decided on missing data; decided exactly when it does not.
And the log is pruned by age; the command line reports the same as the service."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from sendable.cli import app
from sendable.clock import FixedClock, parse_iso, to_iso
from sendable.policy import build_policy
from sendable.service import Service

START = parse_iso("2026-03-02T08:00:00Z")
DAY = 86400.0
# A numeric spam threshold that scores alone never reach: the spam texts below go.
LIVE = {"new_accounts": {"days": 0}, "spam": {"content_threshold": 1.0},
        "audit": {"attempt_retention": "1d", "attempt_max_age": "10d"}}


def _service(path: Path) -> tuple[Service, FixedClock]:
    clock = FixedClock(START)
    service = Service.open(str(path), build_policy(LIVE), clock)
    service.lab.record_live()
    for name in ("ann", "bo"):
        service.create_account(name, birthdate="1990-01-01", verified=True,
                               created_at=START - 30 * DAY)
    service.follow("ann", "bo")
    service.follow("bo", "ann")
    return service, clock


def test_expired_text_is_not_redecided_under_a_text_rule(tmp_path: Path) -> None:
    service, clock = _service(tmp_path / "x.db")
    try:
        old = [service.send("ann", "bo", t).outcome
               for t in ("win a free iphone today", "lunch?", "claim your bitcoin airdrop")]
        assert old == ["delivered"] * 3
        clock.advance(2 * DAY)  # past the retention: the next batch drops old texts
        service.send("ann", "bo", "iphone raffle tonight, join")
        assert service.lab.log_size() == {"records": 4, "with_text": 1}

        texts = build_policy({**LIVE, "spam": {"content_threshold": 1.0,
                                                "blocked_terms": ["iphone"]}})
        report = service.lab.backtest(texts, START - 1, START + 3 * DAY)
        assert report["attempts"] == 4
        assert report["not_redecidable"] == 3  # their text is gone: never guessed
        assert report["redecided"] == 1 and report["changed"] == 1
        assert [e["text_expired"] for e in report["not_redecidable_examples"]] == [True] * 3
        assert all(e["after"] is None for e in report["not_redecidable_examples"])
        results = list(service.lab.redecide(texts, START - 1, START + 3 * DAY))
        assert [r.outcome for r in results] == [None, None, None, "refused"]
        assert [r.why_not for r in results][:3] == ["text expired"] * 3

        # A threshold is the gate's, over kept findings: no text needed, decided exactly.
        threshold = build_policy({**LIVE, "spam": {"content_threshold": 0.5}})
        report = service.lab.backtest(threshold, START - 1, START + 3 * DAY)
        # (the three offers score above 0.5 with the learned model; "lunch?" does not)
        assert report["not_redecidable"] == 0 and report["changed"] == 3
        assert report["matrix"] == [{"from": "delivered", "to": "delivered", "count": 1},
                                    {"from": "delivered", "to": "refused", "count": 3}]

        clock.advance(20 * DAY)  # past the log's maximum age: whole records go
        service.send("ann", "bo", "still there?")
        assert service.lab.log_size() == {"records": 1, "with_text": 1}
    finally:
        service.close()


def test_the_command_line_backtest(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    service, clock = _service(db)
    try:
        for _ in range(4):
            service.send("ann", "bo", "claim your bitcoin airdrop")
        digest = service.policy.digest()
    finally:
        service.close()
    candidate = tmp_path / "candidate.toml"
    candidate.write_text("[new_accounts]\ndays = 0\n[spam]\ncontent_threshold = 0.5\n")
    since, until = to_iso(START - 60), to_iso(START + DAY)
    runner = CliRunner()
    result = runner.invoke(app, ["policy", "backtest", str(candidate), "--db", str(db),
                                 "--since", since, "--until", until, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)  # stderr says which database
    assert report["changed"] == 4
    assert report["codes"] == [{"code": "spam.content", "gained": 4, "lost": 0}]
    result = runner.invoke(app, ["policy", "backtest", str(candidate), "--db", str(db),
                                 "--since", since, "--until", until, "--against", digest])
    assert result.exit_code == 0, result.output
    assert "changed 4" in result.output and "delivered" in result.output
    result = runner.invoke(app, ["policy", "backtest", str(candidate), "--db", str(db),
                                 "--since", "yesterday-ish"])
    assert result.exit_code == 2 and "--since" in result.output
    result = runner.invoke(app, ["policy", "backtest", str(candidate), "--db", str(db),
                                 "--since", since, "--against", "0123456789abcdef"])
    assert result.exit_code == 2 and "--against" in result.output
    result = runner.invoke(app, ["policy", "history", "--db", str(db), "--json"])
    assert json.loads(result.stdout)[0]["digest"] == digest
