"""One send path: the same sequence of sends through the HTTP API, the web form and a
scenario leaves the same stream events, in the same order, and the same stored rows.

Each front end gets a fresh SQLite file with the same accounts and follows; the two
HTTP front ends run against a real `sendable serve`. What differs between runs (ids,
times, tokens) is left out of the comparison; everything else must be equal."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from sendable.policy import build_policy
from sendable.scenario import run_scenario
from sendable.service import Service
from sendable.shell.auth import Auth
from sendable.store.schema import accounts, bans, messages, strikes
from serving import free_port, start_serve, stop_serve

POLICY = {
    "new_accounts": {"days": 0},
    "guidelines": {"extra_terms": {"harassment": ["you absolute turnip"]}},
    "enforcement": {"ladder": ["warning", "24h", "permanent"], "ban_scope": "messaging"},
}
POLICY_TOML = """
[new_accounts]
days = 0
[guidelines.extra_terms]
harassment = ["you absolute turnip"]
[enforcement]
ladder = ["warning", "24h", "permanent"]
ban_scope = "messaging"
"""
PASSWORD = "correct horse battery"
# (from, to, text): delivered, a strike (a warning), a reply, a second strike (the ban
# the ladder brings), and a send the ban refuses.
SENDS = [
    ("alice", "bob", "hi bob"),
    ("alice", "bob", "You Absolute Turnip"),
    ("bob", "alice", "hello alice"),
    ("alice", "bob", "y0u   absolute   turn1p"),
    ("alice", "bob", "still there?"),
]
VARYING = ("id", "at", "until", "token", "expires")


def _stable(value: Any) -> Any:
    """A value with what differs between runs left out: ids and times."""
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in sorted(value.items())
                if k not in VARYING and not k.endswith(("_id", "_at", "_ids"))}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def _what_was_stored(db: Path) -> dict[str, Any]:
    service = Service.open(str(db), build_policy(POLICY))
    try:
        events = {handle: [(e["kind"], _stable(e["payload"]))
                           for e in service.events(service.account(handle)["id"], 0)
                           if e["kind"] != "read"]  # a page view moves the read cursor
                  for handle in ("alice", "bob")}
    finally:
        service.close()
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        handle = {r.id: r.handle for r in conn.execute(sa.select(accounts.c.id, accounts.c.handle))}
        rows = {
            "messages": [(handle[r.sender_id], r.text, r.outcome, r.visible, r.seq) for r in conn.execute(
                sa.select(messages).order_by(messages.c.id))],
            "strikes": [(handle[r.account_id], r.category, r.source, r.message_text) for r in conn.execute(
                sa.select(strikes).order_by(strikes.c.id))],
            "bans": [(handle[r.account_id], r.scope, r.source, r.until is not None) for r in conn.execute(
                sa.select(bans).order_by(bans.c.id))],
        }
    engine.dispose()
    return {"events": events, "rows": rows}


def _prepared(workdir: Path) -> tuple[Path, Path]:
    """A database with alice and bob following each other, as the scenario makes them."""
    db, policy = workdir / "one-path.db", workdir / "policy.toml"
    policy.write_text(POLICY_TOML)
    service = Service.open(str(db), build_policy(POLICY))
    try:
        hashed = Auth(service).hash_password(PASSWORD)
        for name in ("alice", "bob"):
            service.create_account(name, password_hash=hashed, verified=True,
                                   created_at=service.now() - 365 * 86400,
                                   birthdate="1990-01-01")  # an adult, as in the scenario
        service.follow("alice", "bob")
        service.follow("bob", "alice")
    finally:
        service.close()
    return db, policy


def _through_http(workdir: Path, web_form: bool) -> dict[str, Any]:
    db, policy = _prepared(workdir)
    port = free_port()
    process = start_serve(port, ["--db", str(db), "--policy", str(policy)],
                          workdir / "server.log")
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            tokens = {name: http.post("/v1/sessions", json={
                "handle": name, "password": PASSWORD}).json()["token"] for name in ("alice", "bob")}
            for sender, to, text in SENDS:
                token = tokens[sender]
                if web_form:
                    csrf = hmac.new(token.encode(), b"sendable-web-csrf",
                                    hashlib.sha256).hexdigest()
                    http.cookies.set("sendable_session", token)
                    r = http.post(f"/with/{to}/send", data={"text": text, "csrf": csrf})
                    assert r.status_code in (303, 403), r.text
                else:
                    r = http.post("/v1/messages", json={"to": to, "text": text},
                                  headers={"Authorization": f"Bearer {token}"})
                    assert r.status_code in (201, 403), r.text
    finally:
        stop_serve(process)
    return _what_was_stored(db)


def _through_a_scenario(workdir: Path) -> dict[str, Any]:
    spec = {"name": "one path", "policy": POLICY,
            "accounts": [{"handle": "alice"}, {"handle": "bob"}],
            "follows": [["alice", "bob"], ["bob", "alice"]],
            "steps": [{"send": {"from": s, "to": t, "text": x}} for s, t, x in SENDS]}
    result = run_scenario(spec, keep_in=workdir)
    assert result.failures == []
    return _what_was_stored(workdir / "scenario.db")


def test_http_web_form_and_scenario_store_the_same_in_the_same_order(tmp_path: Path) -> None:
    runs = {}
    for name in ("http", "web", "scenario"):
        (tmp_path / name).mkdir()
    runs["http"] = _through_http(tmp_path / "http", web_form=False)
    runs["web"] = _through_http(tmp_path / "web", web_form=True)
    runs["scenario"] = _through_a_scenario(tmp_path / "scenario")
    http = runs["http"]
    # The sequence did what it is for: two strikes, one ban, the ban's refusal stored nothing.
    assert [r[1] for r in http["rows"]["strikes"]] == ["harassment", "harassment"]
    assert len(http["rows"]["bans"]) == 1
    assert [m[1] for m in http["rows"]["messages"]] == ["hi bob", "hello alice"]
    kinds = [kind for kind, _ in http["events"]["alice"]]
    # alice's stream: her message, the warning, bob's reply, the strike and its ban
    assert kinds.index("standing") > kinds.index("message")
    assert runs["web"] == http
    assert runs["scenario"] == http
