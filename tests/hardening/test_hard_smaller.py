"""Security headers on every kind of answer; approving a follower who never asked; the
console offering only what the server takes.

On main before this branch: JSON and static answers had no nosniff, no frame policy
and (signed in) no `Cache-Control: no-store`; approving someone unknown answered
"no account" where a known non-asker answered "has not asked" (telling the two
apart); the console offered the strike category `spam`, which the server refuses."""

from __future__ import annotations

import re

import pytest
from hardkit import Hard, page_client


def _framing_denied(headers) -> bool:  # type: ignore[no-untyped-def]
    return (headers.get("x-frame-options", "").upper() == "DENY"
            and "frame-ancestors 'none'" in headers.get("content-security-policy", ""))


@pytest.mark.parametrize("path", ["/v1/me", "/v1/conversations", "/v1/me/standing",
                                  "/v1/blocks", "/v1/no-such-endpoint"])
def test_signed_in_json_is_never_sniffed_framed_or_cached(http, user, path) -> None:
    me = user("hj")
    r = http.get(path, headers=me.auth)
    assert r.headers["content-type"].startswith("application/json")
    assert r.headers.get("x-content-type-options") == "nosniff"
    assert _framing_denied(r.headers)
    assert "no-store" in r.headers.get("cache-control", "")


def test_signed_out_json_and_errors_carry_the_headers_too(http) -> None:
    for r in (http.get("/v1/meta"), http.get("/healthz"), http.get("/v1/me"),
              http.post("/v1/messages", content=b"{", headers={
                  "content-type": "application/json"})):
        assert r.headers.get("x-content-type-options") == "nosniff", r.url
        assert _framing_denied(r.headers), r.url


def test_static_files_carry_the_headers(http) -> None:
    for name in ("app.js", "composer.js", "style.css"):
        r = http.get(f"/static/{name}")
        assert r.status_code == 200
        assert r.headers.get("x-content-type-options") == "nosniff"
        assert _framing_denied(r.headers)


def test_pages_keep_their_own_policy(hard: Hard, user) -> None:
    me = user("hp")
    with page_client(hard, me) as pages:
        r = pages.get("/inbox")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers.get("x-content-type-options") == "nosniff"
    assert r.headers.get("cache-control") == "no-store"


def test_approving_a_follower_who_never_asked_is_a_404_that_tells_nothing(http,
                                                                         user) -> None:
    owner, stranger, fan = user("ao"), user("as"), user("af")
    assert http.patch("/v1/me/settings", json={"private": True},
                      headers=owner.auth).status_code == 200
    assert http.put(f"/v1/follows/{owner.handle}", headers=fan.auth).json()["state"] == \
        "pending"
    answers = []
    for who in (stranger.handle, "nobody_has_this_handle", owner.handle):
        r = http.post(f"/v1/follow-requests/{who}/approve", headers=owner.auth)
        assert r.status_code == 404, r.text
        error = r.json()["error"]
        assert error["code"] == "not_found" and error["field"] == "follower"
        answers.append(error["message"].replace(who, "WHO"))
    assert len(set(answers)) == 1  # unknown, never asked and oneself read the same
    # Nothing was made: the stranger does not follow the owner.
    assert http.put(f"/v1/follows/{owner.handle}", headers=stranger.auth).json()["state"] == \
        "pending"
    # The real request still approves.
    assert http.post(f"/v1/follow-requests/{fan.handle}/approve",
                     headers=owner.auth).status_code == 200
    again = http.post(f"/v1/follow-requests/{fan.handle}/approve", headers=owner.auth)
    assert again.status_code == 404


def test_the_console_offers_only_strike_categories_the_server_takes(hard: Hard, http, user,
                                                                    mod) -> None:
    target = user("cc")
    with page_client(hard, mod) as pages:
        html = pages.get(f"/mod/accounts/{target.handle}").text
    select = re.search(r'<select id="strike-category" name="category">(.*?)</select>', html)
    assert select
    offered = re.findall(r'<option value="([^"]+)"', select.group(1))
    assert offered and "spam" not in offered
    for category in offered:
        r = http.post("/v1/mod/actions", json={"action": "strike", "handle": target.handle,
                                               "category": category}, headers=mod.auth)
        assert r.status_code == 200, (category, r.text)
