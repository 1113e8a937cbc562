"""Meta, health, metrics, OpenAPI, request ids, the demo data."""

from __future__ import annotations

import re
import time

from apikit import DEMO_PASSWORD, login, send, start_server, stop_server

CONTRACT_PATHS = {
    ("post", "/v1/accounts"), ("post", "/v1/sessions"), ("get", "/v1/me"),
    ("patch", "/v1/me/settings"), ("get", "/v1/me/standing"),
    ("post", "/v1/me/verification"), ("post", "/v1/me/verification/confirm"),
    ("put", "/v1/follows/{handle}"), ("delete", "/v1/follows/{handle}"),
    ("put", "/v1/blocks/{handle}"), ("delete", "/v1/blocks/{handle}"),
    ("get", "/v1/follow-requests"), ("post", "/v1/follow-requests/{handle}/approve"),
    ("post", "/v1/messages"), ("post", "/v1/why"), ("get", "/v1/conversations"),
    ("get", "/v1/conversations/{conversation_id}/messages"),
    ("post", "/v1/conversations/{conversation_id}/accept"),
    ("post", "/v1/conversations/{conversation_id}/decline"),
    ("post", "/v1/reports"), ("post", "/v1/appeals"), ("get", "/v1/appeals"),
    ("get", "/v1/meta"), ("get", "/v1/mod/queue"), ("post", "/v1/mod/actions"),
    ("post", "/v1/mod/appeals/{appeal_id}"), ("post", "/v1/mod/why"), ("get", "/healthz"),
    ("delete", "/v1/sessions"),
}


def test_openapi_has_every_contract_endpoint(http):
    spec = http.get("/openapi.json").json()
    have = {(m, p) for p, ops in spec["paths"].items() for m in ops}
    assert CONTRACT_PATHS <= have, CONTRACT_PATHS - have


def test_meta_and_health(http):
    meta = http.get("/v1/meta").json()
    assert set(meta) == {"version", "min_client_version", "policy_digest"}
    assert re.fullmatch(r"[0-9a-f]{16}", meta["policy_digest"])
    assert http.get("/healthz").json() == {"ok": True}


def test_metrics_count_decisions_and_latency(http, user):
    a, b = user("met"), user("met")
    http.patch("/v1/me/settings", json={"who_can_message": "nobody"}, headers=b.auth)
    send(http, a, b)
    text = http.get("/metrics").text
    assert re.search(r'sendable_decisions_total\{code="privacy.not_accepting",'
                     r'outcome="refused"\} [1-9]', text)
    assert 'sendable_http_request_seconds_bucket{le="0.005",method="POST",route="/v1/messages"' in text


def test_request_id_is_echoed(http):
    r = http.get("/v1/me", headers={"X-Request-ID": "trace-me-123"})
    assert r.headers["x-request-id"] == "trace-me-123"
    assert r.json()["error"]["request_id"] == "trace-me-123"
    assert http.get("/nowhere").status_code == 404
    r = http.put("/v1/meta")
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"


def test_request_log_lines_are_json(server, http):
    http.get("/v1/meta", headers={"X-Request-ID": "logged-line-1"})
    deadline = time.monotonic() + 5  # the line is written just after the response
    while True:
        lines = [line for line in server.log.read_text().splitlines() if "logged-line-1" in line]
        if lines or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert lines and '"path":"/v1/meta"' in lines[0] and '"status":200' in lines[0]
    assert '"ms":' in lines[0]


def test_demo_accounts_show_the_outcomes(http):
    alice = login(http, "alice", DEMO_PASSWORD)
    outcomes = {to: send(http, alice, to, "hello from the test") for to in
                ("bob", "carol", "dave", "erin", "frank", "gus")}
    assert outcomes["bob"].json()["message"]["outcome"] == "delivered"
    assert outcomes["carol"].json()["message"]["outcome"] == "requested"
    assert send(http, alice, "bob", "vaccines cause autism").json()["message"]["outcome"] == "held"
    for to in ("dave", "erin", "gus"):
        assert outcomes[to].json()["error"]["code"] == "privacy.not_accepting"
    assert outcomes["frank"].json()["error"]["code"] == "privacy.private_account"
    mallory = login(http, "mallory", DEMO_PASSWORD)
    assert send(http, mallory, "bob").json()["error"]["code"] == "ban.temporary"
    fred = login(http, "fred", DEMO_PASSWORD)
    assert send(http, fred, "carol").json()["error"]["code"] == "account.flagged"


def test_demo_loads_twice(tmp_path):
    first = start_server(tmp_path, "--demo")
    stop_server(first)
    second = start_server(tmp_path, "--demo")  # same database: nothing fails, nothing doubles
    try:
        assert "Demo accounts loaded" in second.log.read_text()
    finally:
        stop_server(second)
