"""Sending, why, conversations: every outcome and every refusal status over HTTP."""

from __future__ import annotations

from apikit import mutual, send


def test_delivered_between_mutuals(http, user):
    a, b = user("a"), user("b")
    mutual(http, a, b)
    r = send(http, a, b, "hi there")
    assert r.status_code == 201
    body = r.json()
    assert body["message"]["outcome"] == "delivered" and body["notices"] == []
    assert set(body["message"]) == {"id", "conversation_id", "seq", "outcome", "sent_at"}


def test_requested_with_a_notice(http, user):
    a, b = user("a"), user("b")
    r = send(http, a, b)
    assert r.status_code == 201
    assert r.json()["message"]["outcome"] == "requested"
    assert r.json()["notices"][0]["code"] == "requested"
    folders = http.get("/v1/conversations", params={"folder": "requests"}, headers=b.auth)
    assert [c["with"] for c in folders.json()["conversations"]] == [a.handle]
    cid = r.json()["message"]["conversation_id"]
    assert http.post(f"/v1/conversations/{cid}/accept", headers=b.auth).status_code == 200
    inbox = http.get("/v1/conversations", headers=b.auth).json()["conversations"]
    assert [c["id"] for c in inbox] == [cid]


def test_refused_body_in_the_sender_view(http, user):
    a, b = user("a"), user("b")
    http.patch("/v1/me/settings", json={"who_can_message": "nobody"}, headers=b.auth)
    r = send(http, a, b)
    assert r.status_code == 403
    body = r.json()
    assert body["error"]["code"] == "privacy.not_accepting"
    assert body["error"]["request_id"] == r.headers["x-request-id"]
    assert [x["code"] for x in body["reasons"]] == ["privacy.not_accepting"]
    for key in ("cause", "message", "remedy", "retry_after", "until", "appealable",
                "appeal_target"):
        assert key in body["error"]
    assert "detail" not in body["error"]


def test_a_block_never_shows_to_the_sender(http, user, mod):
    a, b = user("a"), user("b")
    mutual(http, a, b)
    assert http.put(f"/v1/blocks/{a.handle}", headers=b.auth).status_code == 200
    r = send(http, a, b)
    why = http.post("/v1/why", json={"to": b.handle, "text": "hi"}, headers=a.auth)
    for response in (r, why):
        assert "privacy.blocked" not in response.text
    assert r.status_code == 403 and r.json()["error"]["code"] == "privacy.not_accepting"
    assert why.json()["sendable"] is False
    # The moderator sees the truth, with detail.
    m = http.post("/v1/mod/why", json={"from": a.handle, "to": b.handle}, headers=mod.auth)
    assert m.status_code == 200
    assert "privacy.blocked" in [x["code"] for x in m.json()["reasons"]]
    assert all("detail" in x for x in m.json()["reasons"])
    reputation = m.json()["reputation"]  # the sender's, with what it is made of
    assert 0 <= reputation["score"] <= 1 and reputation["band"] in ("good", "fair", "limited")
    assert {"verified", "account_age", "strikes_factor"} <= set(reputation["components"])
    assert http.get("/v1/blocks", headers=b.auth).json()["blocked"] == [a.handle]
    assert http.delete(f"/v1/blocks/{a.handle}", headers=b.auth).status_code == 204


def test_underage_recipient_reads_as_not_accepting(http, user):
    a, kid = user("a"), user("kid", birthdate="2020-01-01")
    r = send(http, a, kid)
    assert r.status_code == 403
    assert "privacy.underage_recipient" not in r.text
    assert r.json()["error"]["code"] == "privacy.not_accepting"


def test_outdated_client_is_426(http, user):
    a, b = user("a"), user("b")
    r = send(http, a, b, headers={"Sendable-Client": "sendable-py/0.9.0"})
    assert r.status_code == 426
    assert r.json()["error"]["code"] == "client.outdated"
    ok = send(http, a, b, headers={"Sendable-Client": "sendable-py/1.2.0"})
    assert ok.status_code == 201
    meta = http.get("/v1/meta").json()
    assert meta["min_client_version"] == "1.0.0"


def test_rate_limit_is_429_with_retry_after(http, user):
    a, b = user("a"), user("b")
    mutual(http, a, b)
    for i in range(8):  # the test policy allows 8 an hour
        assert send(http, a, b, f"message {i}").status_code == 201
    r = send(http, a, b, "one too many")
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "rate.messages"
    retry = int(r.headers["Retry-After"])
    assert 3500 <= retry <= 3600
    assert r.json()["error"]["retry_after"] == retry


def test_text_and_body_bounds(http, user):
    a, b = user("a"), user("b")
    r = send(http, a, b, "x" * 4001)
    assert r.status_code == 422 and r.json()["error"]["field"] == "text"
    assert send(http, a, b, "x" * 4000).status_code == 201
    r = send(http, a, b, "x" * 70_000)
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
    r = send(http, a, b, "   ")
    assert r.status_code == 422 and r.json()["error"]["field"] == "text"
    r = http.post("/v1/messages", json={"to": b.handle}, headers=a.auth)
    assert r.status_code == 422 and r.json()["error"]["field"] == "text"
    r = http.post("/v1/messages", json={"to": b.handle, "text": 5}, headers=a.auth)
    assert r.status_code == 422 and r.json()["error"]["field"] == "text"
    r = send(http, a, "no_such_account_here")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = send(http, a, a)
    assert r.status_code == 422 and r.json()["error"]["field"] == "to"


def test_repeated_client_msg_id_returns_the_first_result(http, user):
    a, b = user("a"), user("b")
    mutual(http, a, b)
    first = send(http, a, b, "once", client_msg_id="abc-1")
    again = send(http, a, b, "once", client_msg_id="abc-1")
    assert first.status_code == again.status_code == 201
    assert again.json()["message"] == first.json()["message"]
    assert again.headers.get("idempotent-replayed") == "true"
    cid = first.json()["message"]["conversation_id"]
    msgs = http.get(f"/v1/conversations/{cid}/messages", headers=b.auth).json()["messages"]
    assert [m["text"] for m in msgs] == ["once"]
    r = send(http, a, b, "x", client_msg_id="y" * 65)
    assert r.status_code == 422 and r.json()["error"]["field"] == "client_msg_id"


def test_reading_someone_elses_conversation_is_404(http, user):
    a, b, c = user("a"), user("b"), user("c")
    mutual(http, a, b)
    cid = send(http, a, b).json()["message"]["conversation_id"]
    assert http.get(f"/v1/conversations/{cid}/messages", headers=b.auth).status_code == 200
    r = http.get(f"/v1/conversations/{cid}/messages", headers=c.auth)
    assert r.status_code == 404
    assert http.post(f"/v1/conversations/{cid}/accept", headers=c.auth).status_code == 404
    assert http.get("/v1/conversations/999999/messages", headers=a.auth).status_code == 404
    assert http.get("/v1/conversations/abc/messages", headers=a.auth).status_code == 422


def test_messages_paging(http, user):
    a, b = user("a"), user("b")
    mutual(http, a, b)
    cid = None
    for i in range(3):
        cid = send(http, a, b, f"m{i}").json()["message"]["conversation_id"]
    page = http.get(f"/v1/conversations/{cid}/messages", params={"after_seq": 1, "limit": 1},
                    headers=a.auth).json()["messages"]
    assert [(m["seq"], m["text"], m["from"]) for m in page] == [(2, "m1", a.handle)]
    bad = http.get(f"/v1/conversations/{cid}/messages", params={"limit": 0}, headers=a.auth)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "limit"


def test_why_lists_every_reason_without_sending(http, user):
    a, b = user("a"), user("b")
    r = http.post("/v1/why", json={"to": b.handle, "text": "hello"}, headers=a.auth)
    assert r.status_code == 200
    assert r.json() == {"sendable": True, "outcome": "requested", "reasons": []}
    assert http.get("/v1/conversations", params={"folder": "requests"},
                    headers=b.auth).json()["conversations"] == []
    r = http.post("/v1/why", json={"to": b.handle}, headers=a.auth,
                  )
    assert r.status_code == 200


def test_decline_request(http, user):
    a, b = user("a"), user("b")
    cid = send(http, a, b).json()["message"]["conversation_id"]
    assert http.post(f"/v1/conversations/{cid}/decline", headers=b.auth).json()["state"] == "declined"
    assert http.get("/v1/conversations", params={"folder": "requests"},
                    headers=b.auth).json()["conversations"] == []


def test_sends_the_fast_path_passes_on_get_the_routes_answers(http, user):
    """api/fastsend.py answers well-formed sends itself and hands everything else to
    the route: each of these must look exactly as the route says it."""
    a, b = user("fa"), user("fb")
    mutual(http, a, b)
    r = http.post("/v1/messages", content=b'{"to": "x", "text": ', headers={
        **a.auth, "content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid"
    r = http.post("/v1/messages", json={"to": b.handle, "text": "hi", "colour": "red"},
                  headers=a.auth)
    assert r.status_code == 422 and r.json()["error"]["field"] == "colour"
    r = http.post("/v1/messages", json={"to": b.handle, "text": "hi"},
                  headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert r.json()["error"]["request_id"] == r.headers["x-request-id"]

    def chunks():  # no Content-Length: the limit bites while reading
        for _ in range(20):
            yield b"x" * 4096

    r = http.post("/v1/messages", content=chunks(), headers={
        **a.auth, "content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
    r = send(http, a, b, "fast and fine", headers={"X-Request-ID": "mine-1"})
    assert r.status_code == 201 and r.headers["x-request-id"] == "mine-1"
    assert r.json()["message"]["outcome"] == "delivered" and r.json()["notices"] == []
    # The fast answer skips the app's layers: it carries what they add all the same.
    routed = http.get("/v1/me", headers=a.auth)
    for name in ("x-content-type-options", "x-frame-options", "content-security-policy",
                 "referrer-policy", "cache-control", "content-type"):
        assert r.headers.get(name) == routed.headers.get(name), name
    assert send(http, a, b, "a fresh id").headers["x-request-id"] != routed.headers[
        "x-request-id"]
