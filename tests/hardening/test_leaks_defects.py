# ruff: noqa: F811  (pytest fixtures imported from leakkit are used as parameters)
"""Leaks of what is private to someone else (issue 14), one test per defect, each
against a real server: /metrics, follows to a blocker, declined requests (message
and follow), /v1/meta's policy digest, profile and search."""

from __future__ import annotations

import hashlib
import json
import re

from leakkit import (  # noqa: F401 (fixtures)
    BASE_POLICY,
    browser,
    http,
    server,
    settings,
    start,
    user,
)

from sendable.policy import build_policy, load_policy

TOKEN = "operator-secret-token"


def _send(http, a, b, text="hello"):  # type: ignore[no-untyped-def]
    return http.post("/v1/messages", json={"to": b.handle, "text": text}, headers=a.auth)


def test_metrics_never_show_a_private_code_to_a_member(http, user):
    a, blocker, kid = user("ma"), user("mb"), user("mk", birthdate="2020-01-01")
    assert http.put(f"/v1/blocks/{a.handle}", headers=blocker.auth).status_code == 200
    assert _send(http, a, blocker).json()["error"]["code"] == "privacy.not_accepting"
    assert _send(http, a, kid).json()["error"]["code"] == "privacy.not_accepting"
    public = http.get("/metrics", headers=a.auth).text
    assert "privacy.blocked" not in public and "privacy.underage_recipient" not in public
    assert re.search(r'sendable_decisions_total\{code="privacy.not_accepting",'
                     r'outcome="refused"\} [2-9]', public)
    # ops keep the true codes, behind the operator's token only
    assert "privacy.blocked" not in http.get(
        "/metrics", headers={"Authorization": "Bearer not-the-token"}).text
    private = http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
    assert re.search(r'sendable_moderator_decisions_total\{code="privacy.blocked"', private)
    assert "privacy.underage_recipient" in private


def test_policy_digest_is_not_a_plain_hash_of_the_policy(http, server, tmp_path):
    digest = http.get("/v1/meta").json()["policy_digest"]
    assert re.fullmatch(r"[0-9a-f]{16}", digest)
    policy_file = next(a for a in server.args if a.endswith(".toml"))
    policy = load_policy(policy_file)
    blob = json.dumps(policy.model_dump(mode="json"), sort_keys=True, default=str)
    assert digest != hashlib.sha256(blob.encode()).hexdigest()[:16]
    assert digest != policy.digest()
    # the same policy on another deployment (another secret) gives another digest,
    # so a digest cannot be matched against guessed values offline ...
    other = start(tmp_path)
    try:
        import httpx

        theirs = httpx.get(f"{other.url}/v1/meta").json()["policy_digest"]
        assert build_policy({}).digest() == build_policy({}).digest()
        assert theirs != digest or BASE_POLICY == ""
        # ... yet it is stable across a restart and changes with the policy
        other.restart()
        assert httpx.get(f"{other.url}/v1/meta").json()["policy_digest"] == theirs
        policy_path = next(a for a in other.args if a.endswith(".toml"))
        with open(policy_path, "a") as f:
            f.write("\n[spam]\ncontent_threshold = 0.7\n")
        other.restart()
        assert httpx.get(f"{other.url}/v1/meta").json()["policy_digest"] != theirs
    finally:
        other.stop()


def test_following_a_blocker_answers_as_an_unblocked_account_and_gains_nothing(http, user):
    fan, blocker, control = user("fa"), user("fb"), user("fc")
    settings(http, blocker, who_can_message="followers")
    settings(http, control, who_can_message="mutuals")
    assert http.put(f"/v1/blocks/{fan.handle}", headers=blocker.auth).status_code == 200
    for target in (blocker, control):
        r = http.put(f"/v1/follows/{target.handle}", headers=fan.auth)
        assert r.status_code == 200 and r.json()["state"] == "following"
    # the web button reads the same for both ...
    with browser(http.base_url.__str__().rstrip("/"), fan.handle) as web:
        for target in (blocker, control):
            html = web.get(f"/with/{target.handle}").text
            assert "Following · Unfollow" in html, target.handle
    # ... and `why` too (a followers-only account that is not told of a follow
    # reads as a mutuals-only one)
    whys = [http.post("/v1/why", json={"to": t.handle, "text": "hi"}, headers=fan.auth).json()
            for t in (blocker, control)]
    assert whys[0] == whys[1]
    # the follow is not real: unblocked, the followers-only account still refuses
    assert http.delete(f"/v1/blocks/{fan.handle}", headers=blocker.auth).status_code == 204
    codes = [r["code"] for r in http.post("/v1/why", json={"to": blocker.handle},
                                          headers=fan.auth).json()["reasons"]]
    assert codes == ["privacy.not_accepting"]


def test_following_a_private_blocker_reads_as_a_request_nobody_sees(http, user):
    fan, blocker = user("pa"), user("pb")
    settings(http, blocker, private=True)
    assert http.put(f"/v1/blocks/{fan.handle}", headers=blocker.auth).status_code == 200
    assert http.put(f"/v1/follows/{blocker.handle}", headers=fan.auth).json()["state"] == "pending"
    assert http.get("/v1/follow-requests", headers=blocker.auth).json()["requests"] == []
    with browser(str(http.base_url).rstrip("/"), fan.handle) as web:
        assert "Follow requested · Unfollow" in web.get(f"/with/{blocker.handle}").text


def test_a_declined_follow_request_keeps_showing_requested(http, user):
    fan, owner = user("da"), user("db")
    settings(http, owner, private=True)
    assert http.put(f"/v1/follows/{owner.handle}", headers=fan.auth).json()["state"] == "pending"
    r = http.post(f"/v1/follow-requests/{fan.handle}/decline", headers=owner.auth)
    assert r.status_code == 200
    with browser(str(http.base_url).rstrip("/"), fan.handle) as web:
        assert "Follow requested · Unfollow" in web.get(f"/with/{owner.handle}").text
    assert http.put(f"/v1/follows/{owner.handle}", headers=fan.auth).json()["state"] == "pending"
    assert http.get("/v1/follow-requests", headers=owner.auth).json()["requests"] == []
    assert http.post("/v1/why", json={"to": owner.handle}, headers=fan.auth).json()[
        "reasons"][0]["code"] == "privacy.private_account"


def test_a_declined_message_request_looks_unanswered_until_the_limit(http, user):
    a, b, c, d = user("ra"), user("rb"), user("rc"), user("rd")
    first = _send(http, a, b, "hi b").json()["message"]
    _send(http, c, d, "hi d")
    r = http.post(f"/v1/conversations/{first['conversation_id']}/decline", headers=b.auth)
    assert r.status_code == 200
    declined = [_send(http, a, b, f"again {i}") for i in range(3)]
    unanswered = [_send(http, c, d, f"again {i}") for i in range(3)]
    shape = [(r.status_code, r.json().get("message", {}).get("outcome")
              or r.json()["error"]["code"]) for r in declined]
    assert shape == [(r.status_code, r.json().get("message", {}).get("outcome")
                      or r.json()["error"]["code"]) for r in unanswered]
    assert shape == [(201, "requested"), (201, "requested"), (403, "privacy.request_limit")]
    mine = http.get("/v1/conversations", headers=a.auth).json()["conversations"]
    assert [x["state"] for x in mine if x["with"] == b.handle] == ["requested"]
    # and the recipient, who declined, sees none of it
    assert http.get("/v1/conversations", params={"folder": "requests"},
                    headers=b.auth).json()["conversations"] == []


def test_a_card_search_leaves_out_reads_as_a_handle_nobody_has(http, user):
    seeker, blocker, kid = user("sa"), user("sb"), user("sk", birthdate="2019-05-05")
    assert http.put(f"/v1/blocks/{seeker.handle}", headers=blocker.auth).status_code == 200
    nobody = http.get("/v1/users/nobody_at_all_here", headers=seeker.auth)
    assert nobody.status_code == 404
    for hidden in (blocker, kid):
        r = http.get(f"/v1/users/{hidden.handle}", headers=seeker.auth)
        assert r.status_code == 404
        assert r.json()["error"]["message"].replace(hidden.handle, "X") == \
            nobody.json()["error"]["message"].replace("nobody_at_all_here", "X")
        found = http.get("/v1/users", params={"q": hidden.handle}, headers=seeker.auth).json()
        assert found["results"] == []
