"""`sendable mod …` on a real SQLite file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sendable.cli import app
from sendable.policy import build_policy
from sendable.service import Service

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "mod.db")
    service = Service.open(path, build_policy({}))
    for handle in ("alice", "bob", "carol", "dave"):
        service.create_account(handle, created_at=service.now() - 400 * 86400, verified=True, birthdate="1990-01-01")
    service.create_account("mod", role="moderator", birthdate="1990-01-01")
    service.close()
    return path


def mod(db: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["mod", *args, "--db", db])
    return result.exit_code, result.output


def data(db: str, *args: str) -> object:
    result = runner.invoke(app, ["mod", *args, "--json", "--db", db])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # stderr says which database


def test_ban_for_a_while_then_unban(db: str) -> None:
    result = data(db, "ban", "alice", "--for", "24h", "--scope", "messaging", "--by", "mod")
    assert result["seconds"] == 86400 and result["scope"] == "messaging"
    [entry] = data(db, "explain", "alice")
    assert entry["restriction"] == "ban" and entry["until"] is not None
    code, out = mod(db, "unban", "alice", "--by", "mod")
    assert code == 0 and "lifted 1 ban" in out
    assert data(db, "explain", "alice") == []


def test_ban_without_for_is_permanent(db: str) -> None:
    code, out = mod(db, "ban", "bob", "--scope", "account", "--by", "mod")
    assert code == 0 and "permanently" in out
    [entry] = data(db, "explain", "bob")
    assert entry["until"] is None and entry["scope"] == "account"


def test_strike_applies_the_ladder_from_the_policy(db: str, tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('[enforcement]\nladder = ["7d"]\n')
    first = runner.invoke(app, ["mod", "strike", "carol", "--category", "hate", "--json",
                                "--by", "mod", "--db", db, "--policy", str(policy)])
    assert first.exit_code == 0, first.output
    status = json.loads(first.stdout)["status"]
    assert status["strikes"] == 1 and status["banned"] is True  # the policy's ladder: 7d
    status = data(db, "strike", "dave", "--category", "hate", "--by", "mod")["status"]
    assert status["strikes"] == 1 and status["banned"] is False  # the default: a warning


def test_flag_unflag_and_audit(db: str) -> None:
    assert mod(db, "flag", "dave", "--reason", "spam ring", "--by", "mod")[0] == 0
    [entry] = data(db, "explain", "dave")
    assert "spam ring" in entry["text"]
    code, out = mod(db, "explain", "dave")
    assert code == 0 and "flag:" in out and "audit #" in out
    assert mod(db, "unflag", "dave", "--by", "mod")[0] == 0
    log = data(db, "audit", "dave")
    assert [e["action"] for e in log] == ["unflag", "flag"]
    assert log[0]["actor"] == "mod"
    code, out = mod(db, "audit")
    assert code == 0 and "unflag @dave by @mod" in out


def test_appeals_and_decide(db: str) -> None:
    service = Service.open(db, build_policy({}))
    ban = service.ban("alice", 3600, "messaging")
    service.appeal("alice", f"ban:{ban}", "sorry")
    service.close()
    [appeal] = data(db, "appeals")
    assert appeal["target"] == f"ban:{ban}" and appeal["state"] == "open"
    queue = data(db, "queue")
    assert queue[0]["kind"] == "appeal" and queue[0]["priority"] == 100
    code, out = mod(db, "queue")
    assert code == 0 and "appeal" in out and "100" in out
    result = data(db, "decide", str(appeal["id"]), "overturn", "--note", "fair", "--by", "mod")
    assert result["state"] == "overturned" and result["bans"] == [ban]
    assert data(db, "appeals") == []
    assert data(db, "appeals", "--state", "all")[0]["note"] == "fair"
    assert data(db, "queue") == []


def test_resolve_reports(db: str) -> None:
    service = Service.open(db, build_policy({}))
    service.report("bob", "[/bold] odd [red]markup", of="carol")
    service.close()
    code, out = mod(db, "queue")
    assert code == 0 and "[/bold] odd [red]markup" in out
    assert data(db, "queue")[0]["kind"] == "reports"
    assert len(data(db, "resolve", "carol", "--by", "mod")["resolved"]) == 1
    assert data(db, "queue") == []


def test_resolve_with_a_verdict_labels_the_reported_messages(db: str) -> None:
    from sendable.store import models as db_models

    service = Service.open(db, build_policy({}))
    message = service.send("carol", "bob", "cheap watches at my shop").message["id"]
    service.report("bob", "spam", message_id=message)
    service.close()
    assert len(data(db, "resolve", "carol", "--verdict", "upheld", "--by", "mod")["resolved"]) == 1
    service = Service.open(db, build_policy({}))
    with service.shell.unit.read() as conn:
        rows = db_models.labels_of(conn, "spam")
    service.close()
    assert [(r["message_id"], r["positive"], r["source"]) for r in rows] == [
        (message, True, "verdict:report_upheld")]


def test_queue_lists_held_group_messages_and_confirm_keeps_them_held(db: str) -> None:
    held = "vaccines cause autism, look it up"  # held by the default policy
    service = Service.open(db, build_policy({}))
    service.follow("alice", "bob")
    service.follow("bob", "alice")
    group = service.groups.create("alice", "book club", ["bob"]).group["id"]
    in_group = service.group_chat.send("alice", group, f"{held} (group)").message["id"]
    direct = service.send("alice", "bob", f"{held} (direct)").message["id"]
    service.close()
    code, out = mod(db, "queue")
    assert code == 0 and f"held group message {in_group} @alice" in out
    assert "'book club'" in out and f"held message {direct} @alice → @bob" in out
    confirmed = data(db, "confirm", str(in_group), "--by", "mod")
    assert confirmed == {"message_id": in_group, "group_id": group, "labels": 1}
    code, out = mod(db, "confirm", str(direct), "--by", "mod")
    assert code == 0 and f"message {direct} stays held" in out
    assert data(db, "queue") == []
    code, out = mod(db, "confirm", str(in_group), "--by", "mod")
    assert code == 2 and "MESSAGE_ID" in out and "already confirmed" in out
    code, out = mod(db, "release", str(direct), "--by", "mod")
    assert code == 2 and "MESSAGE_ID" in out
    assert [e["action"] for e in data(db, "audit", "alice")][:2] == ["held_confirmed"] * 2


@pytest.mark.parametrize(("args", "named"), [
    (["ban", "alice", "--for", "soon", "--by", "mod"], "--for"),
    (["ban", "alice", "--scope", "galaxy", "--by", "mod"], "--scope"),
    (["ban", "nobody", "--by", "mod"], "HANDLE"),
    (["ban", "alice"], "--by"),
    (["ban", "alice", "--by", "bob"], "--by"),
    (["ban", "alice", "--by", "ghost"], "--by"),
    (["strike", "alice", "--category", "rudeness", "--by", "mod"], "--category"),
    (["release", "999", "--by", "mod"], "MESSAGE_ID"),
    (["confirm", "999", "--by", "mod"], "MESSAGE_ID"),
    (["decide", "999", "uphold", "--by", "mod"], "APPEAL_ID"),
    (["decide", "1", "perhaps", "--by", "mod"], "DECISION"),
    (["appeals", "--state", "pending"], "--state"),
    (["explain", "nobody"], "HANDLE"),
    (["resolve", "alice", "--by", "mod"], "HANDLE"),
    (["resolve", "carol", "--verdict", "maybe", "--by", "mod"], "--verdict"),
])
def test_bad_arguments_exit_2_naming_them(db: str, args: list[str], named: str) -> None:
    code, out = mod(db, *args)
    assert code == 2, out
    assert named in out


def test_the_installed_command_exits_2(db: str) -> None:
    exe = Path(sys.executable).with_name("sendable")
    result = subprocess.run([str(exe), "mod", "ban", "alice", "--for", "forever", "--by", "mod",
                             "--db", db],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "--for" in result.stderr
    help_text = subprocess.run([str(exe), "mod", "--help"], capture_output=True, text=True,
                               timeout=60).stdout
    for verb in ("queue", "ban", "unban", "strike", "flag", "unflag", "release", "confirm",
                 "appeals", "decide", "audit", "explain"):
        assert verb in help_text
