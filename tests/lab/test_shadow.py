"""Shadow mode against a real `sendable serve`: the shadow policy's differences on
/metrics and in the console, then promotion and revert, each audited."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sendable.policy import load_policy
from sendable.service import Service
from sendable.shell.auth import Auth
from serving import free_port, start_serve, stop_serve

PASSWORD = "correct horse battery"
LIVE = "[new_accounts]\ndays = 0\n[spam]\ncontent_threshold = 1.0\n"  # scores alone never refuse
SHADOW = "[new_accounts]\ndays = 0\n[spam]\ncontent_threshold = 0.5\n"
SPAMMY = "claim your bitcoin airdrop"


def _prepare(workdir: Path) -> tuple[Path, Path, Path]:
    db, live, shadow = workdir / "lab.db", workdir / "live.toml", workdir / "shadow.toml"
    live.write_text(LIVE)
    shadow.write_text(SHADOW)
    service = Service.open(str(db), load_policy(live))
    try:
        hashed = Auth(service).hash_password(PASSWORD)
        service.create_account("labmod", password_hash=hashed, role="moderator", verified=True)
        for name in ("alice", "bob"):
            service.create_account(name, password_hash=hashed, birthdate="1990-01-01",
                                   verified=True)
        service.follow("alice", "bob")
        service.follow("bob", "alice")
    finally:
        service.close()
    return db, live, shadow


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    workdir = tmp_path_factory.mktemp("shadow")
    db, live, shadow = _prepare(workdir)
    port = free_port()
    process = start_serve(port, ["--db", str(db), "--policy", str(live),
                                 "--shadow-policy", str(shadow)], workdir / "server.log")
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            tokens = {n: http.post("/v1/sessions", json={"handle": n, "password": PASSWORD}
                                   ).json()["token"] for n in ("alice", "labmod")}
            yield {"http": http, "tokens": tokens, "db": db, "shadow": load_policy(shadow),
                   "live": load_policy(live)}
    finally:
        stop_serve(process)


def _send(lab: dict[str, Any], text: str) -> httpx.Response:
    return lab["http"].post("/v1/messages", json={"to": "bob", "text": text},
                            headers={"Authorization": f"Bearer {lab['tokens']['alice']}"})


def _console(lab: dict[str, Any]) -> tuple[httpx.Client, str]:
    token = lab["tokens"]["labmod"]
    http = lab["http"]
    http.cookies.set("sendable_session", token)
    return http, hmac.new(token.encode(), b"sendable-web-csrf", hashlib.sha256).hexdigest()


def test_shadow_counts_differences_then_promote_and_revert(lab: dict[str, Any]) -> None:
    assert _send(lab, SPAMMY).status_code == 201  # live: delivered
    assert _send(lab, "see you at six").status_code == 201  # both agree
    metrics = lab["http"].get("/metrics").text
    line = re.search(r'sendable_shadow_diff_total\{([^}]*)\} ([0-9.]+)', metrics)
    assert line is not None, metrics
    labels = dict(re.findall(r'(\w+)="([^"]*)"', line.group(1)))
    assert labels == {"from": "delivered", "to": "refused", "code": "spam.content"}
    assert float(line.group(2)) == 1.0

    http, csrf = _console(lab)
    page = http.get("/mod/lab").text
    assert lab["shadow"].digest() in page and SPAMMY in page and "spam.content" in page

    r = http.post("/mod/lab/promote", data={"csrf": csrf})
    assert r.status_code == 303
    assert lab["shadow"].digest() in http.get("/mod/lab").text.split("live-digest")[1][:40]
    assert _send(lab, SPAMMY).status_code == 403  # the promoted policy refuses it

    r = http.post("/mod/lab/revert", data={"csrf": csrf})
    assert r.status_code == 303
    assert _send(lab, SPAMMY).status_code == 201  # the previous policy is live again

    audit = http.get("/mod/audit").text
    assert "policy_promote" in audit and "policy_revert" in audit
    http.cookies.clear()
    service = Service.open(str(lab["db"]), lab["live"])
    try:
        entries = {e["action"]: e for e in service.audit_log(None, 50)}
        assert entries["policy_promote"]["actor"] == "labmod"
        assert entries["policy_promote"]["detail"]["digest"] == lab["shadow"].digest()
        assert entries["policy_revert"]["detail"]["digest"] == lab["live"].digest()
        assert [h["action"] for h in service.lab.history()][:3] == ["revert", "promote", "start"]
    finally:
        service.close()
