"""Accounts, sessions and the signed-in account over real HTTP."""

from __future__ import annotations

import json

from apikit import PASSWORD, login


def test_create_account_and_me(http, user):
    u = user("acc")
    r = http.get("/v1/me", headers=u.auth)
    assert r.status_code == 200
    me = r.json()
    assert me["handle"] == u.handle and me["role"] == "member"
    assert "password_hash" not in me and "password" not in r.text


def test_handles_are_unique_whatever_the_case(http, user):
    u = user("Case")
    r = http.post("/v1/accounts", json={"handle": u.handle.upper(), "password": PASSWORD})
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "conflict"
    assert r.json()["error"]["field"] == "handle"


def test_bad_input_names_the_field(http):
    cases = [
        ({"handle": "no spaces allowed", "password": PASSWORD}, "handle"),
        ({"handle": ".dot", "password": PASSWORD}, "handle"),
        ({"handle": "okname", "password": "short"}, "password"),
        ({"handle": "okname2", "password": PASSWORD, "birthdate": "yesterday"}, "birthdate"),
        ({"handle": "okname3", "password": PASSWORD, "colour": "blue"}, "colour"),
        ({"password": PASSWORD}, "handle"),
    ]
    for body, field in cases:
        r = http.post("/v1/accounts", json=body)
        assert r.status_code == 422, (body, r.text)
        error = r.json()["error"]
        assert error["field"] == field, (body, error)
        assert error["request_id"] == r.headers["x-request-id"]


def test_malformed_json_is_422_not_500(http):
    r = http.post("/v1/accounts", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422


def test_wrong_password_is_401_and_unknown_handle_looks_the_same(http, user):
    u = user("pw")
    wrong = http.post("/v1/sessions", json={"handle": u.handle, "password": "not the password"})
    nobody = http.post("/v1/sessions", json={"handle": "nobody_here", "password": PASSWORD})
    assert wrong.status_code == nobody.status_code == 401
    assert wrong.json()["error"]["message"] == nobody.json()["error"]["message"]


def test_failed_logins_are_throttled_with_retry_after(http, user):
    u = user("thr")
    statuses = [http.post("/v1/sessions", json={"handle": u.handle, "password": "wrong-wrong"})
                .status_code for _ in range(10)]
    # a few free tries, then a growing delay from this address for this account
    assert statuses[:6] == [401] * 6 and set(statuses[6:]) == {429}
    r = http.post("/v1/sessions", json={"handle": u.handle, "password": PASSWORD})
    assert r.status_code == 429  # even the right password waits out the delay here
    assert int(r.headers["Retry-After"]) > 0
    assert r.json()["error"]["code"] == "throttled"


def test_auth_failures(http, user):
    assert http.get("/v1/me").status_code == 401
    assert http.get("/v1/me").headers["www-authenticate"] == "Bearer"
    assert http.get("/v1/me", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    assert http.get("/v1/me", headers={"Authorization": "Basic abc"}).status_code == 401
    u = user("out")
    assert http.delete("/v1/sessions", headers=u.auth).status_code == 204
    r = http.get("/v1/me", headers=u.auth)
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    again = login(http, u.handle)  # a new session still works
    assert http.get("/v1/me", headers=again.auth).status_code == 200


def test_settings(http, user):
    u = user("set")
    r = http.patch("/v1/me/settings", json={"who_can_message": "mutuals", "private": True},
                   headers=u.auth)
    assert r.status_code == 200
    assert r.json()["who_can_message"] == "mutuals" and r.json()["private"] is True
    r = http.patch("/v1/me/settings", json={"who_can_message": "aliens"}, headers=u.auth)
    assert r.status_code == 422 and r.json()["error"]["field"] == "who_can_message"


def test_standing_shows_band_not_number(http, user):
    u = user("stand")
    r = http.get("/v1/me/standing", headers=u.auth)
    assert r.status_code == 200
    body = r.json()
    assert body["restrictions"] == [] and body["strikes"] == [] and body["bans"] == []
    assert body["reputation_band"] == "ok"  # "limited" only when it limits them
    assert "reputation" not in body and "reputation_components" not in body


def test_verification_by_mailed_code(server, http, user):
    u = user("ver", email="ver@example.org")
    r = http.post("/v1/me/verification", headers=u.auth)
    assert r.status_code == 202, r.text
    mails = [json.loads(line) for line in server.mail.read_text().splitlines()]
    code = next(m["data"]["code"] for m in reversed(mails) if m["data"]["handle"] == u.handle)
    wrong = "0" * len(code) if code != "0" * len(code) else "1" * len(code)
    bad = http.post("/v1/me/verification/confirm", json={"code": wrong}, headers=u.auth)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "code"
    ok = http.post("/v1/me/verification/confirm", json={"code": code}, headers=u.auth)
    assert ok.status_code == 200 and ok.json() == {"verified": True}
    assert http.get("/v1/me", headers=u.auth).json()["verified"] is True
    no_mail = user("nomail")
    r = http.post("/v1/me/verification", headers=no_mail.auth)
    assert r.status_code == 422 and r.json()["error"]["field"] == "email"
    r = http.post("/v1/accounts", json={"handle": "mailbad", "password": PASSWORD,
                                        "email": "not-an-address"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "email"
