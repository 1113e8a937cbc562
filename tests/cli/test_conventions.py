"""What a command line and a server are expected to do, through the real entry point."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from clikit import one_clear_line

from sendable import __version__
from sendable.clock import SystemClock
from sendable.policy import build_policy
from sendable.service import Service
from serving import free_port, start_serve, stop_serve


@pytest.fixture
def world(tmp_path: Path) -> Path:
    """A database with: alice and bob who follow each other, carol (a stranger),
    dave who blocked alice, mallory banned for 7 days, and mod."""
    db = tmp_path / "world.db"
    service = Service.open(str(db), build_policy(), SystemClock())
    for handle in ("alice", "bob", "carol", "dave", "mallory"):
        service.create_account(handle, created_at=0.0, verified=True, birthdate="1960-01-01")
    service.create_account("mod", created_at=0.0, verified=True, role="moderator",
                           birthdate="1960-01-01")
    service.follow("alice", "bob")
    service.follow("bob", "alice")
    service.block("dave", "alice")
    service.ban("mallory", 7 * 86400.0, "messaging", "mod", "test")
    service.close()
    return db


def test_version(cli) -> None:
    result = cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"sendable {__version__}"


def test_why_exit_code_follows_the_verdict(cli, world: Path) -> None:
    refused = cli("why", "alice", "dave", "--text", "hello?", "--db", str(world))
    assert refused.returncode == 1, refused.stderr
    assert "cannot send" in refused.stdout and "privacy.not_accepting" in refused.stdout
    refused_json = cli("why", "alice", "dave", "--db", str(world), "--json")
    assert refused_json.returncode == 1 and json.loads(refused_json.stdout)["sendable"] is False
    ok = cli("why", "alice", "bob", "--text", "hi", "--db", str(world))
    assert ok.returncode == 0 and "can send" in ok.stdout
    request = cli("why", "alice", "carol", "--text", "hi", "--db", str(world))
    assert request.returncode == 0 and "message requests" in request.stdout


def test_a_held_outcome_reads_will_be_held_for_review(cli, world: Path) -> None:
    held = cli("why", "alice", "bob", "--text", "vaccines cause autism", "--db", str(world))
    assert held.returncode == 0, held.stderr
    assert "will be held for review" in held.stdout and "can send" not in held.stdout


def test_waits_are_printed_as_days_and_hours(cli, world: Path) -> None:
    result = cli("why", "mallory", "bob", "--db", str(world))
    assert result.returncode == 1
    assert re.search(r"wait 6d 23h\b", result.stdout), result.stdout
    assert not re.search(r"wait \d{4,}s", result.stdout)


def test_moderator_actions_need_by_and_are_never_audited_as_system(cli, world: Path) -> None:
    for command in (["ban", "alice", "--for", "1h"], ["unban", "mallory"], ["flag", "carol"],
                    ["unflag", "carol"], ["strike", "alice", "--category", "harassment"],
                    ["release", "1"], ["confirm", "1"], ["label", "1", "spam"],
                    ["resolve", "alice"],
                    ["decide", "1", "uphold"]):
        line = one_clear_line(cli("mod", *command, "--db", str(world)))
        assert "--by" in line, command
    assert cli("mod", "flag", "carol", "--db", str(world),
               env={"SENDABLE_MODERATOR": "mod"}).returncode == 0
    audit = cli("mod", "audit", "--db", str(world), "--json")
    rows = json.loads(audit.stdout)
    assert rows and all(r["actor"] for r in rows)
    assert "by system" not in cli("mod", "audit", "--db", str(world)).stdout


def test_doctor_as_a_handle_without_a_session_says_so(cli) -> None:
    result = cli("doctor", "--as", "bob", "--server", "http://127.0.0.1:9")
    line = one_clear_line(result)
    assert result.returncode == 2
    assert "@bob" in line and "not signed in" in line and "sendable login bob" in line


def _serve(cli, *args: str, env: dict[str, str] | None = None,
           timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return cli("serve", *args, env=env, timeout=timeout)


def test_a_busy_port_is_one_line_and_never_serving_on(cli, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _serve(cli, "--port", str(port), "--db", str(tmp_path / "x.db"))
    line = one_clear_line(result)
    assert "serving on" not in result.stdout
    assert str(port) in line and "in use" in line


@pytest.mark.parametrize("args, env, says", [
    (["--db", "foo://nowhere"], {}, "unsupported database URL"),
    (["--db", "postgresql://u:pw@127.0.0.1:1/x"], {}, "unreachable"),
    (["--db", "/no/such/folder/x.db"], {}, "does not exist"),
    ([], {"SENDABLE_DB": "foo://nowhere"}, "unsupported database URL"),
    ([], {"SENDABLE_REDIS": "redis://127.0.0.1:1/0"}, "--redis"),
    ([], {"SENDABLE_POLICY": "/no/such/policy.toml"}, "policy"),
])
def test_bad_settings_fail_before_serving_on(cli, tmp_path: Path, args, env, says) -> None:
    env = {"SENDABLE_PORT": str(free_port()), **env}
    if "SENDABLE_DB" not in env and "--db" not in args:
        env["SENDABLE_DB"] = str(tmp_path / "ok.db")
    result = _serve(cli, *args, env=env)
    line = one_clear_line(result)
    assert "serving on" not in result.stdout
    assert says in line


def test_serve_reads_its_flags_from_the_environment(user_env, tmp_path: Path) -> None:
    port = free_port()
    db = tmp_path / "from-env.db"
    log = tmp_path / "serve.log"
    policy = tmp_path / "policy.toml"
    policy.write_text('[clients]\nmin_version = "9.9.9"\n')
    process = start_serve(port, [], log, env={
        **user_env, "SENDABLE_DB": str(db), "SENDABLE_DEMO": "1",
        "SENDABLE_POLICY": str(policy), "SENDABLE_LOG_FORMAT": "text"})
    try:
        r = httpx.post(f"http://127.0.0.1:{port}/v1/sessions",
                       json={"handle": "alice", "password": "sendable-demo"})
        assert r.status_code in (200, 201), r.text
        assert db.exists() and f"db {db}" in log.read_text()
        meta = httpx.get(f"http://127.0.0.1:{port}/v1/meta",
                         headers={"X-Request-ID": "rid-env-1"}).json()
        assert meta["min_client_version"] == "9.9.9"  # the policy named in the environment
        assert not _log_lines(log, "rid-env-1")[0].lstrip().startswith("{")  # text logs
    finally:
        stop_serve(process)


def _log_lines(log: Path, marker: str) -> list[str]:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = [line for line in log.read_text().splitlines() if marker in line]
        if lines:
            return lines
        time.sleep(0.05)
    raise AssertionError(f"no log line with {marker}:\n{log.read_text()}")


def test_logs_are_json_with_timestamp_level_and_request_id(user_env, tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    process = start_serve(port, ["--db", str(tmp_path / "j.db")], log, env=user_env)
    try:
        httpx.get(f"http://127.0.0.1:{port}/v1/meta", headers={"X-Request-ID": "rid-json-1"})
        line = json.loads(_log_lines(log, "rid-json-1")[0])
        assert line["request_id"] == "rid-json-1" and line["level"] == "info"
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", line["timestamp"])
        assert line["path"] == "/v1/meta" and line["status"] == 200 and "ms" in line
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics").text
        for name in ("process_cpu_seconds_total", "process_resident_memory_bytes",
                     "python_info", "python_gc_objects_collected_total",
                     "sendable_http_request_seconds"):
            assert re.search(rf"^{name}", metrics, re.M), name
    finally:
        stop_serve(process)


def test_log_format_text_is_for_people(user_env, tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    process = start_serve(port, ["--db", str(tmp_path / "t.db"), "--log-format", "text"], log,
                          env=user_env)
    try:
        httpx.get(f"http://127.0.0.1:{port}/v1/meta", headers={"X-Request-ID": "rid-text-1"})
        line = _log_lines(log, "rid-text-1")[0]
        assert not line.lstrip().startswith("{")
        assert "GET /v1/meta 200" in line and re.match(r"^\d{4}-\d\d-\d\dT", line)
        assert "INFO" in line
    finally:
        stop_serve(process)
    assert _serve_help_mentions_env(user_env)


def _serve_help_mentions_env(env: dict[str, str]) -> bool:
    out = subprocess.run([sys.executable, "-m", "sendable", "serve", "--help"],
                         capture_output=True, text=True, env=env).stdout
    return all(name in out for name in ("SENDABLE_DB", "SENDABLE_REDIS", "SENDABLE_POLICY"))
