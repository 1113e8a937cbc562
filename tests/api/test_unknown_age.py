"""An account that never gave its date of birth, against a real server: it counts as
under the minimum messaging age until it gives one, for sends, as a recipient, for
making a group, in invites and in search; its own refusal says how to give it, and
nobody else learns anything about its age."""

from __future__ import annotations

from typing import Any

import httpx
from apikit import mutual, send


def _without_ids(body: dict[str, Any]) -> dict[str, Any]:
    error = {k: v for k, v in body["error"].items() if k != "request_id"}
    return {"error": error, "reasons": body["reasons"]}


def test_the_sender_is_told_to_give_a_birthdate(http: httpx.Client, user) -> None:  # type: ignore[no-untyped-def]
    adult, unknown = user("ua"), user("un", birthdate=None)
    mutual(http, adult, unknown)
    r = send(http, unknown, adult, "hi")
    assert r.status_code == 403, r.text
    reason = r.json()["error"]
    assert reason["code"] == "account.underage" and reason["appealable"] is False
    assert "PUT /v1/me/birthdate" in reason["remedy"] and "Settings" in reason["remedy"]
    why = http.post("/v1/why", json={"to": adult.handle, "text": "hi"}, headers=unknown.auth)
    assert [x["code"] for x in why.json()["reasons"]] == ["account.underage"]


def test_the_recipient_side_is_a_generic_privacy_refusal(http: httpx.Client, user) -> None:  # type: ignore[no-untyped-def]
    adult, unknown, closed = user("ub"), user("uu", birthdate=None), user("uc")
    mutual(http, adult, unknown)
    mutual(http, adult, closed)
    assert http.patch("/v1/me/settings", json={"who_can_message": "nobody"},
                      headers=closed.auth).status_code == 200
    to_unknown, to_closed = send(http, adult, unknown, "hi"), send(http, adult, closed, "hi")
    assert to_unknown.status_code == to_closed.status_code == 403
    # The same answer someone who simply takes no messages gives: no age, no birthdate.
    assert _without_ids(to_unknown.json()) == _without_ids(to_closed.json())
    assert "birth" not in to_unknown.text and "age" not in to_unknown.json()["error"]["code"]
    why = http.post("/v1/why", json={"to": unknown.handle}, headers=adult.auth).json()
    assert [x["code"] for x in why["reasons"]] == ["privacy.not_accepting"]


def test_groups_search_and_then_the_birthdate_given(http: httpx.Client, user, mod) -> None:  # type: ignore[no-untyped-def]
    owner, unknown, pal = user("uo"), user("uz", birthdate=None), user("up")
    for who in (owner, unknown, pal):
        http.patch("/v1/me/settings", json={"group_invites": "everyone"}, headers=who.auth)
    mutual(http, owner, unknown)
    mutual(http, owner, pal)

    made = http.post("/v1/groups", json={"name": "mine", "members": [owner.handle]},
                     headers=unknown.auth)
    assert made.status_code == 403 and made.json()["error"]["code"] == "account.underage"
    body = http.post("/v1/groups", json={"name": "trip", "members": [pal.handle,
                                                                      unknown.handle]},
                     headers=owner.auth).json()
    results = {r["handle"]: r for r in body["results"]}
    assert results[pal.handle]["outcome"] == "added"
    refused = results[unknown.handle]
    assert refused["outcome"] == "refused"
    assert [x["code"] for x in refused["reasons"]] == ["privacy.group_invites"]  # masked
    seen = http.post("/v1/mod/why", json={"from": owner.handle, "group": body["group"]["id"],
                                          "invite": unknown.handle}, headers=mod.auth).json()
    assert "privacy.underage_recipient" in [x["code"] for x in seen["reasons"]]
    found = http.get("/v1/users", params={"q": unknown.handle}, headers=pal.auth).json()
    assert found["results"] == []

    given = http.put("/v1/me/birthdate", json={"birthdate": "1999-05-04"}, headers=unknown.auth)
    assert given.status_code == 200
    assert send(http, unknown, owner, "hi").status_code == 201
    added = http.post(f"/v1/groups/{body['group']['id']}/members",
                      json={"handles": [unknown.handle]}, headers=owner.auth).json()
    assert [r["outcome"] for r in added["results"]] == ["added"]
    found = http.get("/v1/users", params={"q": unknown.handle}, headers=pal.auth).json()
    assert [r["handle"] for r in found["results"]] == [unknown.handle]
