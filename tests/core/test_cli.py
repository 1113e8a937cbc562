"""The command line, run as a user runs it: a real process on a real file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sendable.clock import SystemClock
from sendable.policy import build_policy
from sendable.service import Service

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT / "data" / "eval"


def sendable(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sendable", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


def test_why_names_every_reason_and_hides_blocks(db_url: str) -> None:
    db = db_url
    service = Service.open(db, build_policy(), SystemClock())
    for handle in ("alice", "bob"):
        service.create_account(handle, created_at=0.0, verified=True, birthdate="1990-01-01")
    service.update_settings("bob", who_can_message="mutuals")
    service.block("bob", "alice")
    service.close()
    sender = sendable("why", "alice", "bob", "--text", "hi", "--db", db, "--json")
    assert sender.returncode == 1, sender.stderr  # it cannot go
    body = json.loads(sender.stdout)
    assert body["sendable"] is False
    assert [r["code"] for r in body["reasons"]] == ["privacy.not_accepting"]
    assert "privacy.blocked" not in sender.stdout
    moderator = json.loads(sendable("why", "alice", "bob", "--db", db, "--as", "moderator",
                                    "--json").stdout)
    assert [r["code"] for r in moderator["reasons"]] == ["privacy.blocked",
                                                         "privacy.not_accepting"]
    assert "strikes_factor" in moderator["reputation"]["components"]
    human = sendable("why", "alice", "bob", "--db", db)
    assert "privacy.not_accepting" in human.stdout and "remedy" in human.stdout
    missing = sendable("why", "alice", "nobody", "--db", db)
    assert missing.returncode == 2 and "nobody" in missing.stderr


def test_spam_train_then_eval_improves_recall(db_url: str) -> None:
    db = db_url
    before = json.loads(sendable("spam", "eval", str(EVAL / "spam_test.csv"), "--json").stdout)
    assert {"n", "precision", "recall", "f1", "false_positive_rate", "roc_auc",
            "recall_at_target_fpr", "target_fpr"} <= set(before)
    assert before["model_version"] == 0  # the shipped model
    trained = sendable("spam", "train", str(EVAL / "spam_train.csv"), "--db", db, "--json")
    assert trained.returncode == 0, trained.stderr
    summary = json.loads(trained.stdout)
    assert summary["version"] >= 1 and 0 < summary["threshold"] < 1
    assert summary["labels"] == {"positive": 102, "negative": 121}
    assert {"pooled", "mean", "std"} <= set(summary["cross_validated"]["f1"])
    assert summary["warnings"]  # 121 negatives cannot vouch for a 0.5% false-positive rate
    human = sendable("spam", "retrain", "--db", db)
    assert human.returncode == 0 and "threshold" in human.stdout and "±" in human.stdout
    after = json.loads(sendable("spam", "eval", str(EVAL / "spam_test.csv"), "--db", db,
                                "--json").stdout)
    assert after["n"] == before["n"] and after["model_version"] > summary["version"] - 1
    assert after["recall"] >= 0.6  # 121 ham labels: untrusted, so hand features must agree
    assert after["false_positive_rate"] < 0.02


def test_guidelines_eval_json(tmp_path: Path) -> None:
    result = sendable("guidelines", "eval", str(EVAL / "guidelines.csv"), "--json")
    metrics = json.loads(result.stdout)
    assert metrics["n"] > 300 and metrics["false_positive_rate"] < 0.02


def test_a_bad_label_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("label,text\nspam,buy now\nmaybe,hello\n")
    result = sendable("spam", "eval", str(bad))
    assert result.returncode == 2 and "3" in result.stderr and "maybe" in result.stderr


def test_scenario_run_reports_and_exits_non_zero_on_failure(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "name: one good, one bad\naccounts: [{handle: a}, {handle: b}]\nsteps:\n"
        "  - send: {from: a, to: b, text: hi}\n    expect: {outcome: requested}\n"
        "  - send: {from: a, to: b, text: hi}\n    expect: {outcome: delivered}\n")
    result = sendable("scenario", "run", str(scenario))
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == "1 passed, 1 failed"
    assert "expected outcome 'delivered', got 'requested'" in result.stdout
    report = json.loads(sendable("scenario", "run", str(scenario), "--json").stdout)
    assert report["passed"] == 1 and report["failed"] == 1
    unknown = tmp_path / "unknown.yaml"  # a step the runner does not know: nothing runs
    unknown.write_text(scenario.read_text() + "  - frobnicate: {}\n")
    result = sendable("scenario", "run", str(unknown))
    assert result.returncode == 1 and "step 3" in result.stdout
    assert result.stdout.strip().endswith("0 passed, 1 failed")
    broken = tmp_path / "broken.yaml"
    broken.write_text("steps: [unclosed\n")
    assert sendable("scenario", "run", str(broken)).stdout.strip().endswith("0 passed, 1 failed")


def test_mod_label_teaches_the_spam_model(tmp_path: Path) -> None:
    db = str(tmp_path / "label.db")
    service = Service.open(db, build_policy(), SystemClock())
    for handle in ("alice", "bob"):
        service.create_account(handle, created_at=0.0, verified=True, birthdate="1990-01-01")
    service.create_account("mod", role="moderator", birthdate="1990-01-01")
    message = service.send("alice", "bob", "buy my course").message["id"]
    service.close()
    ok = sendable("mod", "label", str(message), "spam", "--by", "mod", "--db", db,
                  "--json")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout) == {"message_id": message, "verdict": "spam"}
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        rows = conn.execute(text("select kind, positive, text, source from labels")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("spam", True, "buy my course", "verdict:spam")]
    bad = sendable("mod", "label", str(message), "maybe", "--by", "mod", "--db", db)
    assert bad.returncode == 2 and "VERDICT" in bad.stderr
