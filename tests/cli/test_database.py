"""Commands that read and write the same data find it in the same place, say where it
is, and never answer from an empty database they just made up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clikit import ROOT, one_clear_line

from sendable.clock import SystemClock
from sendable.policy import build_policy
from sendable.service import Service

EVAL = ROOT / "data" / "eval"


def test_spam_eval_measures_the_model_spam_train_taught_from_any_directory(
        cli, tmp_path: Path, default_db: Path) -> None:
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    trained = cli("spam", "train", str(EVAL / "spam_train.csv"), cwd=here)
    assert trained.returncode == 0, trained.stderr
    assert str(default_db) in trained.stderr  # it says where the model went
    measured = cli("spam", "eval", str(EVAL / "spam_test.csv"), cwd=there)
    assert measured.returncode == 0, measured.stderr
    assert str(default_db) in measured.stderr
    assert "trained on 0 messages" not in measured.stdout
    assert "trained on 223 messages" in measured.stdout
    assert not list(there.iterdir()) and not list(here.iterdir())  # no stray files


def test_spam_eval_before_any_training_says_it_measures_the_shipped_model(
        cli, default_db: Path) -> None:
    result = cli("spam", "eval", str(EVAL / "spam_test.csv"), "--json")
    assert result.returncode == 0, result.stderr
    assert {"n", "precision", "recall", "f1", "false_positive_rate", "roc_auc",
            "recall_at_target_fpr"} <= set(json.loads(result.stdout))
    assert "built-in" in result.stderr and str(default_db) in result.stderr
    assert not default_db.exists()  # measuring creates nothing


@pytest.mark.parametrize("command", [
    ["why", "alice", "bob"],
    ["mod", "queue"],
    ["mod", "audit"],
    ["mod", "explain", "alice"],
    ["spam", "eval", str(EVAL / "spam_test.csv")],
    ["mod", "ban", "alice", "--by", "mod"],
])
def test_readers_refuse_a_database_that_is_not_there(cli, tmp_path: Path, command) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = cli(*command, "--db", "sendable.db", cwd=elsewhere)
    line = one_clear_line(result)
    assert result.returncode == 2
    assert "no database at" in line and str(elsewhere / "sendable.db") in line
    assert not list(elsewhere.iterdir())  # nothing created


def test_why_and_mod_without_db_use_the_default_that_serve_and_train_use(
        cli, default_db: Path) -> None:
    assert cli("why", "alice", "bob").returncode == 2  # none yet: refused, not created
    assert not default_db.exists()
    default_db.parent.mkdir(parents=True)
    service = Service.open(str(default_db), build_policy(), SystemClock())
    for handle in ("alice", "bob"):
        service.create_account(handle, created_at=0.0, verified=True, birthdate="1960-01-01")
    service.create_account("mod", created_at=0.0, verified=True, role="moderator",
                           birthdate="1960-01-01")
    service.close()
    why = cli("why", "alice", "bob")
    assert why.returncode == 0, why.stderr
    assert "can send" in why.stdout and f"database: {default_db}" in why.stderr
    assert cli("mod", "flag", "alice", "--by", "mod").returncode == 0
    audit = cli("mod", "audit", "alice")
    assert "flag @alice by @mod" in audit.stdout


def test_sendable_db_from_the_environment(cli, tmp_path: Path) -> None:
    db = tmp_path / "env.db"
    service = Service.open(str(db), build_policy(), SystemClock())
    service.create_account("alice", created_at=0.0, verified=True, birthdate="1960-01-01")
    service.create_account("bob", created_at=0.0, verified=True, birthdate="1960-01-01")
    service.close()
    result = cli("why", "alice", "bob", "--json", env={"SENDABLE_DB": str(db)})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["outcome"] == "requested"
    assert str(db) in result.stderr


def test_where_prints_the_default_database(cli, default_db: Path) -> None:
    result = cli("where", "--json")
    assert result.returncode == 0
    assert json.loads(result.stdout)["database"] == str(default_db)


@pytest.mark.parametrize("url, says", [
    ("foo://nowhere/x", "unsupported database URL"),
    ("postgresql://someone:secret@127.0.0.1:1/nothing", "unreachable"),
    ("sqlite:////no/such/folder/x.db", "no database at /no/such/folder/x.db"),
])
def test_bad_db_urls_are_one_clear_line(cli, url: str, says: str) -> None:
    for command in (["why", "alice", "bob"], ["mod", "queue"]):
        line = one_clear_line(cli(*command, "--db", url))
        assert says in line and "--db" in line
        assert "secret" not in line
