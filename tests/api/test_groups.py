"""Groups over HTTP against a real server: every group endpoint for an anonymous
caller, a member, a non-member, the owner and a moderator. Nobody reads or posts in a
group they are not in, and no invite answer reveals a block or an age."""

from __future__ import annotations

import httpx
from apikit import mutual


def _group(http: httpx.Client, owner, *members) -> dict:  # type: ignore[no-untyped-def]
    r = http.post("/v1/groups", json={"name": "trip", "members": [m.handle for m in members]},
                  headers=owner.auth)
    assert r.status_code == 201, r.text
    return r.json()


def test_create_add_send_read_leave(http: httpx.Client, user) -> None:  # type: ignore[no-untyped-def]
    owner, friend, other = user("go"), user("gf"), user("gx")
    mutual(http, owner, friend)
    body = _group(http, owner, friend, other)
    group = body["group"]
    assert {r["handle"]: r["outcome"] for r in body["results"]} == {
        friend.handle: "added", other.handle: "refused"}
    refused = next(r for r in body["results"] if r["outcome"] == "refused")
    assert [x["code"] for x in refused["reasons"]] == ["privacy.group_invites"]
    assert group["owner"] == owner.handle and set(group["members"]) == {owner.handle,
                                                                        friend.handle}
    r = http.post("/v1/messages", json={"group": group["id"], "text": "hello group"},
                  headers=friend.auth)
    assert r.status_code == 201, r.text
    assert r.json()["message"]["group_id"] == group["id"]
    r = http.get(f"/v1/groups/{group['id']}/messages", headers=owner.auth)
    assert [m["text"] for m in r.json()["messages"]] == ["hello group"]
    listed = http.get("/v1/conversations", headers=owner.auth).json()["conversations"]
    assert {"group"} <= {c["kind"] for c in listed}
    # a non-member: the group does not exist for them, and they cannot post in it
    for method, path in (("GET", f"/v1/groups/{group['id']}"),
                         ("GET", f"/v1/groups/{group['id']}/messages"),
                         ("POST", f"/v1/groups/{group['id']}/link")):
        assert http.request(method, path, headers=other.auth).status_code == 404
    r = http.post("/v1/messages", json={"group": group["id"], "text": "let me in"},
                  headers=other.auth)
    assert r.status_code == 403 and r.json()["error"]["code"] == "group.not_member"
    # only the owner renames and removes
    assert http.patch(f"/v1/groups/{group['id']}", json={"name": "x"},
                      headers=friend.auth).status_code == 403
    assert http.patch(f"/v1/groups/{group['id']}", json={"name": "beach"},
                      headers=owner.auth).json()["group"]["name"] == "beach"
    # the owner leaves: the earliest member owns it
    assert http.delete(f"/v1/groups/{group['id']}/members/{owner.handle}",
                       headers=owner.auth).status_code == 204
    assert http.get(f"/v1/groups/{group['id']}",
                    headers=friend.auth).json()["group"]["owner"] == friend.handle


def test_anonymous_callers_get_401_everywhere(http: httpx.Client) -> None:
    for method, path in (("POST", "/v1/groups"), ("GET", "/v1/groups"), ("GET", "/v1/groups/1"),
                         ("PATCH", "/v1/groups/1"), ("POST", "/v1/groups/1/members"),
                         ("DELETE", "/v1/groups/1/members/x"), ("POST", "/v1/groups/1/join"),
                         ("POST", "/v1/groups/1/decline"), ("POST", "/v1/groups/1/approve/x"),
                         ("POST", "/v1/groups/1/link"), ("POST", "/v1/groups/join"),
                         ("PUT", "/v1/groups/1/mute"), ("DELETE", "/v1/groups/1/mute"),
                         ("GET", "/v1/groups/1/messages"), ("POST", "/v1/messages/1/forward"),
                         ("POST", "/v1/groups/why")):
        assert http.request(method, path).status_code == 401, (method, path)


def test_a_block_and_an_age_read_as_the_setting(http: httpx.Client, user) -> None:  # type: ignore[no-untyped-def]
    owner, blocker = user("gb"), user("gk")
    young = user("gy", birthdate="2015-01-01")
    for person in (blocker, young):
        assert http.patch("/v1/me/settings", json={"group_invites": "everyone"},
                          headers=person.auth).status_code == 200
    assert http.put(f"/v1/blocks/{owner.handle}", headers=blocker.auth).status_code in (200, 204)
    body = _group(http, owner, blocker, young)
    for result in body["results"]:
        assert result["outcome"] == "refused"
        assert [r["code"] for r in result["reasons"]] == ["privacy.group_invites"]
        assert "detail" not in result["reasons"][0]
    why = http.post("/v1/groups/why", json={"group": body["group"]["id"],
                                             "invite": blocker.handle}, headers=owner.auth)
    assert [r["code"] for r in why.json()["reasons"]] == ["privacy.group_invites"]


def test_link_join_mute_forward_and_moderators(http: httpx.Client, user, mod) -> None:  # type: ignore[no-untyped-def]
    owner, friend, joiner = user("gl"), user("gm"), user("gn")
    mutual(http, owner, friend)
    group = _group(http, owner, friend)["group"]
    token = http.post(f"/v1/groups/{group['id']}/link", headers=owner.auth).json()["token"]
    r = http.post("/v1/groups/join", json={"token": token}, headers=joiner.auth)
    assert r.status_code == 200 and r.json()["outcome"] == "added"
    assert http.put(f"/v1/groups/{group['id']}/mute", headers=joiner.auth).status_code == 204
    sent = http.post("/v1/messages", json={"to": friend.handle, "text": "see you at 8"},
                     headers=owner.auth).json()["message"]
    r = http.post(f"/v1/messages/{sent['id']}/forward", json={"group": group["id"]},
                  headers=owner.auth)
    assert r.status_code == 201 and r.json()["message"]["forwarded"] is True
    # someone who cannot see the message cannot forward it
    assert http.post(f"/v1/messages/{sent['id']}/forward", json={"to": owner.handle},
                     headers=joiner.auth).status_code == 404
    # a member may not close a group; a moderator may, and then nobody posts
    assert http.get("/v1/mod/groups", headers=owner.auth).status_code == 403
    assert any(g["id"] == group["id"]
               for g in http.get("/v1/mod/groups", headers=mod.auth).json()["groups"])
    r = http.post("/v1/mod/actions", json={"action": "close_group", "group_id": group["id"]},
                  headers=mod.auth)
    assert r.status_code == 200, r.text
    r = http.post("/v1/messages", json={"group": group["id"], "text": "hello?"},
                  headers=owner.auth)
    assert r.status_code == 403 and r.json()["error"]["code"] == "group.closed"
    assert r.json()["error"]["appeal_target"] == f"group:{group['id']}"
    r = http.post("/v1/messages", json={"group": group["id"], "text": "hello?"},
                  headers=friend.auth)
    assert r.json()["error"]["appeal_target"] is None  # only the owner appeals the closing


def test_a_message_names_one_chat(http: httpx.Client, user) -> None:  # type: ignore[no-untyped-def]
    me = user("gq")
    for body in ({"text": "hi"}, {"to": "x", "group": 1, "text": "hi"}):
        r = http.post("/v1/messages", json=body, headers=me.auth)
        assert r.status_code == 422, r.text


def test_a_group_is_reported_by_its_members_only(http: httpx.Client, user, mod) -> None:  # type: ignore[no-untyped-def]
    owner, friend, outsider = user("gr"), user("gs"), user("gt")
    mutual(http, owner, friend)
    group = _group(http, owner, friend)["group"]
    r = http.post("/v1/reports", json={"group_id": group["id"], "reason": "spam"},
                  headers=outsider.auth)
    assert r.status_code == 404
    r = http.post("/v1/reports", json={"group_id": group["id"], "reason": "spam"},
                  headers=friend.auth)
    assert r.status_code == 201, r.text
    listed = next(g for g in http.get("/v1/mod/groups", headers=mod.auth).json()["groups"]
                  if g["id"] == group["id"])
    assert [(x["by"], x["reason"]) for x in listed["reports"]] == [(friend.handle, "spam")]
    # a report of a group counts toward nobody's flag
    assert http.get("/v1/me", headers=owner.auth).json()["flagged"] is False


def test_a_moderator_sees_the_true_codes_of_group_sends_and_invites(  # type: ignore[no-untyped-def]
        http: httpx.Client, user, mod) -> None:
    owner, blocker, friend = user("gp"), user("gq"), user("gr")
    mutual(http, owner, friend)
    assert http.patch("/v1/me/settings", json={"group_invites": "everyone"},
                      headers=blocker.auth).status_code == 200
    assert http.put(f"/v1/blocks/{owner.handle}", headers=blocker.auth).status_code in (200, 204)
    group = _group(http, owner, friend)["group"]
    ask = {"from": owner.handle, "group": group["id"], "invite": blocker.handle}
    assert http.post("/v1/mod/why", json=ask, headers=owner.auth).status_code == 403
    seen = http.post("/v1/mod/why", json=ask, headers=mod.auth)
    assert seen.status_code == 200, seen.text
    codes = [r["code"] for r in seen.json()["reasons"]]
    assert seen.json()["outcome"] == "refused" and "privacy.blocked" in codes
    assert "blocked" in seen.json()["relation"] or "blocks" in seen.json()["relation"]
    sent = http.post("/v1/mod/why", json={"from": blocker.handle, "group": group["id"],
                                          "text": "hi"}, headers=mod.auth)
    assert sent.status_code == 200, sent.text
    assert [r["code"] for r in sent.json()["reasons"]] == ["group.not_member"]
    assert "detail" in sent.json()["reasons"][0]
    member = http.post("/v1/mod/why", json={"from": friend.handle, "group": group["id"],
                                            "text": "see you"}, headers=mod.auth).json()
    assert member["sendable"] is True and member["outcome"] == "delivered"
    both = http.post("/v1/mod/why", json={"from": friend.handle, "to": owner.handle,
                                          "group": group["id"]}, headers=mod.auth)
    assert both.status_code == 422


def test_a_bare_message_id_names_one_message_to_forward(http: httpx.Client, user) -> None:  # type: ignore[no-untyped-def]
    """A direct message and a group message that one member can see never share an id,
    so forwarding by id forwards the one that was named."""
    owner, friend, third = user("gu"), user("gv"), user("gw")
    mutual(http, owner, friend)
    mutual(http, owner, third)
    group = _group(http, owner, friend)["group"]
    direct = http.post("/v1/messages", json={"to": friend.handle, "text": "the direct one"},
                       headers=owner.auth).json()["message"]
    posted = http.post("/v1/messages", json={"group": group["id"], "text": "the group one"},
                       headers=owner.auth)
    assert posted.status_code == 201, posted.text
    in_group = posted.json()["message"]
    assert direct["id"] != in_group["id"]
    for message, text in ((direct, "the direct one"), (in_group, "the group one")):
        r = http.post(f"/v1/messages/{message['id']}/forward", json={"to": third.handle},
                      headers=owner.auth)
        assert r.status_code == 201, r.text
        forwarded = r.json()["message"]
        assert forwarded["forwarded"] is True
        shown = http.get(f"/v1/conversations/{forwarded['conversation_id']}/messages",
                         headers=third.auth).json()["messages"]
        assert shown[-1]["text"] == text
