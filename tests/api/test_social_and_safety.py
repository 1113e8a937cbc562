"""Follows, follow requests, reports, appeals and moderation over HTTP."""

from __future__ import annotations

from apikit import mutual, send


def test_private_account_follow_requests(http, user):
    owner, fan = user("priv"), user("fan")
    http.patch("/v1/me/settings", json={"private": True}, headers=owner.auth)
    r = http.put(f"/v1/follows/{owner.handle}", headers=fan.auth)
    assert r.json()["state"] == "pending"
    assert send(http, fan, owner).json()["error"]["code"] == "privacy.private_account"
    pending = http.get("/v1/follow-requests", headers=owner.auth).json()["requests"]
    assert [p["handle"] for p in pending] == [fan.handle]
    r = http.post(f"/v1/follow-requests/{fan.handle}/approve", headers=owner.auth)
    assert r.status_code == 200
    assert send(http, fan, owner).status_code == 201
    assert http.delete(f"/v1/follows/{owner.handle}", headers=fan.auth).status_code == 204
    r = http.post(f"/v1/follow-requests/{fan.handle}/approve", headers=user("x").auth)
    assert r.status_code == 404


def test_follow_unknown_and_self(http, user):
    a = user("f")
    assert http.put("/v1/follows/nobody_at_all", headers=a.auth).status_code == 404
    r = http.put(f"/v1/follows/{a.handle}", headers=a.auth)
    assert r.status_code == 422 and r.json()["error"]["field"] == "handle"


def test_moderator_endpoints_need_a_moderator(http, user):
    a = user("nomod")
    for method, path, body in (("GET", "/v1/mod/queue", None),
                               ("POST", "/v1/mod/actions", {"action": "flag", "handle": a.handle}),
                               ("POST", "/v1/mod/appeals/1", {"decision": "uphold"}),
                               ("POST", "/v1/mod/why", {"from": a.handle, "to": "mod"})):
        r = http.request(method, path, json=body, headers=a.auth)
        assert r.status_code == 403, (path, r.text)
        assert r.json()["error"]["code"] == "forbidden"
        assert http.request(method, path, json=body).status_code == 401


def test_report_flags_and_the_queue(http, user, mod):
    target = user("t")
    reporters = [user("r") for _ in range(3)]
    for r_ in reporters:
        r = http.post("/v1/reports", json={"handle": target.handle, "reason": "spam"},
                      headers=r_.auth)
        assert r.status_code == 201
    items = http.get("/v1/mod/queue", headers=mod.auth).json()["items"]
    mine = [x for x in items if x["kind"] == "reports" and x["handle"] == target.handle]
    assert len(mine) == 1 and mine[0]["distinct_reporters"] == 3
    standing = http.get("/v1/me/standing", headers=target.auth).json()
    assert standing["flagged"] is True
    assert [x["code"] for x in standing["restrictions"]] == ["account.flagged"]
    stranger = user("s")
    assert send(http, target, stranger).json()["error"]["code"] == "account.flagged"
    r = http.post("/v1/reports", json={"reason": "spam"}, headers=stranger.auth)
    assert r.status_code == 422 and r.json()["error"]["field"] == "handle"
    r = http.post("/v1/reports", json={"message_id": 999999, "reason": "spam"},
                  headers=stranger.auth)
    assert r.status_code == 404


def test_ban_appeal_overturn(http, user, mod):
    a, b = user("ban"), user("b")
    mutual(http, a, b)
    r = http.post("/v1/mod/actions", json={"action": "ban", "handle": a.handle, "for": "2h",
                                           "reason": "test"}, headers=mod.auth)
    assert r.status_code == 200 and r.json()["status"]["banned"] is True
    ban_id = r.json()["ban_id"]
    refused = send(http, a, b)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "ban.temporary"
    assert refused.json()["error"]["appeal_target"] == f"ban:{ban_id}"
    assert 7000 <= int(refused.headers["Retry-After"]) <= 7200
    standing = http.get("/v1/me/standing", headers=a.auth).json()
    assert standing["bans"][0]["active"] is True and standing["bans"][0]["until"]
    appeal = http.post("/v1/appeals", json={"target": f"ban:{ban_id}", "statement": "sorry"},
                       headers=a.auth)
    assert appeal.status_code == 201
    twice = http.post("/v1/appeals", json={"target": f"ban:{ban_id}", "statement": "again"},
                      headers=a.auth)
    assert twice.status_code == 409
    assert [x["state"] for x in http.get("/v1/appeals", headers=a.auth).json()["appeals"]] == ["open"]
    items = http.get("/v1/mod/queue", headers=mod.auth).json()["items"]
    assert appeal.json()["id"] in [x["id"] for x in items if x["kind"] == "appeal"]
    r = http.post(f"/v1/mod/appeals/{appeal.json()['id']}",
                  json={"decision": "overturn", "note": "ok"}, headers=mod.auth)
    assert r.status_code == 200 and r.json()["state"] == "overturned"
    again = http.post(f"/v1/mod/appeals/{appeal.json()['id']}", json={"decision": "uphold"},
                      headers=mod.auth)
    assert again.status_code == 409
    assert send(http, a, b).status_code == 201
    assert http.post("/v1/mod/appeals/999999", json={"decision": "uphold"},
                     headers=mod.auth).status_code == 404


def test_mod_actions(http, user, mod):
    a = user("act")

    def act(**body):
        return http.post("/v1/mod/actions", json=body, headers=mod.auth)

    r = act(action="strike", handle=a.handle, category="harassment")
    assert r.status_code == 200 and r.json()["status"]["strikes"] == 1
    strikes = http.get("/v1/me/standing", headers=a.auth).json()["strikes"]
    assert strikes[0]["category"] == "harassment" and strikes[0]["active"] is True
    assert act(action="strike", handle=a.handle, category="nonsense").status_code == 422
    assert act(action="flag", handle=a.handle).json()["status"]["flagged"] is True
    assert act(action="unflag", handle=a.handle).json()["status"]["flagged"] is False
    assert act(action="ban", handle=a.handle, **{"for": "soon"}).json()["error"]["field"] == "for"
    assert act(action="ban", handle=a.handle).json()["status"]["ban_until"] is None  # permanent
    assert act(action="unban", handle=a.handle).json()["status"]["banned"] is False
    assert act(action="ban").json()["error"]["field"] == "handle"
    assert act(action="release").json()["error"]["field"] == "message_id"
    assert act(action="release", message_id=999999).status_code == 404
    assert act(action="explode", handle=a.handle).json()["error"]["field"] == "action"
    assert act(action="flag", handle="nobody_such").status_code == 404


def test_held_message_released_by_a_moderator(http, user, mod):
    a, b = user("held"), user("b")
    mutual(http, a, b)
    r = send(http, a, b, "vaccines cause autism")
    assert r.status_code == 201
    assert r.json()["message"]["outcome"] == "held"
    assert r.json()["notices"][0]["code"] == "held"
    held_for = r.json()["notices"][0]["reasons"]  # the sender's own text: they see why
    assert [x["code"] for x in held_for] == ["guidelines.misinformation"]
    assert "detail" not in held_for[0]
    cid, mid = r.json()["message"]["conversation_id"], r.json()["message"]["id"]
    assert http.get(f"/v1/conversations/{cid}/messages", headers=b.auth).json()["messages"] == []
    items = http.get("/v1/mod/queue", headers=mod.auth).json()["items"]
    held = next(x for x in items if x["kind"] == "held_message" and x["id"] == mid)
    assert held["reasons"][0]["code"] == "guidelines.misinformation"
    r = http.post("/v1/mod/actions", json={"action": "release", "message_id": mid},
                  headers=mod.auth)
    assert r.status_code == 200 and r.json()["message"]["id"] == mid
    assert r.json()["message"]["outcome"] == "delivered"  # b follows a: their inbox
    shown = http.get(f"/v1/conversations/{cid}/messages", headers=b.auth).json()["messages"]
    assert [m["text"] for m in shown] == ["vaccines cause autism"]


def test_follow_requests_are_approved_or_declined(http, user):
    owner, fan, other = user("owner"), user("fan"), user("other")
    assert http.patch("/v1/me/settings", json={"private": True},
                      headers=owner.auth).status_code == 200
    for asker in (fan, other):
        r = http.put(f"/v1/follows/{owner.handle}", headers=asker.auth)
        assert r.status_code == 200 and r.json()["state"] == "pending"
    waiting = http.get("/v1/follow-requests", headers=owner.auth).json()["requests"]
    assert {x["handle"] for x in waiting} == {fan.handle, other.handle}
    assert http.post(f"/v1/follow-requests/{fan.handle}/approve",
                     headers=owner.auth).status_code == 200
    r = http.post(f"/v1/follow-requests/{other.handle}/decline", headers=owner.auth)
    assert r.status_code == 200 and r.json()["state"] == "declined"
    assert http.get("/v1/follow-requests", headers=owner.auth).json()["requests"] == []
    again = http.post(f"/v1/follow-requests/{other.handle}/decline", headers=owner.auth)
    assert again.status_code == 404


def test_a_moderators_spam_verdict_from_the_queue(http, user, mod):
    a, b = user("pitch"), user("target")
    sent = send(http, a, b, "join my channel for daily tips")
    message_id = sent.json()["message"]["id"]
    r = http.post("/v1/reports", json={"message_id": message_id, "reason": "spam"},
                  headers=b.auth)
    assert r.status_code in (200, 201), r.text
    items = http.get("/v1/mod/queue", headers=mod.auth).json()["items"]
    reported = next(x for x in items if x["kind"] == "reports" and message_id in x["message_ids"])
    assert {"id": message_id, "text": "join my channel for daily tips"} in reported["messages"]
    r = http.post("/v1/mod/actions", json={"action": "spam", "message_id": message_id},
                  headers=mod.auth)
    assert r.status_code == 200 and r.json() == {"action": "spam", "message_id": message_id}
    missing = http.post("/v1/mod/actions", json={"action": "not_spam"}, headers=mod.auth)
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "message_id"
    assert http.post("/v1/mod/actions", json={"action": "spam", "message_id": message_id},
                     headers=a.auth).status_code == 403
