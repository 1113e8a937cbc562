"""Every group endpoint against a real server, for each kind of caller: the owner, a
member, someone invited and not yet in, a non-member and a moderator (who is not in the
group). Nobody outside a group reads it, posts in it or changes it; the stream carries
`muted: true` for a muted group and never a blocked member's messages."""

from __future__ import annotations

import asyncio
import json

import httpx
import websockets
from apikit import mutual


def _setup(http: httpx.Client, user):  # type: ignore[no-untyped-def]
    owner, member, invited, outsider = user("co"), user("cm"), user("ci"), user("cx")
    mutual(http, owner, member)
    assert http.patch("/v1/me/settings", json={"group_invites": "everyone"},
                      headers=invited.auth).status_code == 200
    r = http.post("/v1/groups", json={"name": "callers", "members": [member.handle]},
                  headers=owner.auth)
    assert r.status_code == 201, r.text
    group = r.json()["group"]["id"]
    return owner, member, invited, outsider, group


def test_every_group_endpoint_for_every_caller(http: httpx.Client, user, mod) -> None:  # type: ignore[no-untyped-def]
    owner, member, invited, outsider, g = _setup(http, user)
    posted = http.post("/v1/messages", json={"group": g, "text": "members only"},
                       headers=member.auth)
    assert posted.status_code == 201, posted.text
    message_id = posted.json()["message"]["id"]
    # a pending entry (a teen is only ever invited) sees the invitation, not the chat
    teen = user("ct", birthdate="2010-06-01")
    mutual(http, owner, teen)
    r = http.post(f"/v1/groups/{g}/members", json={"handles": [teen.handle]},
                  headers=owner.auth)
    assert r.json()["results"][0]["outcome"] == "invited"
    assert http.get(f"/v1/groups/{g}", headers=teen.auth).status_code == 200
    assert http.get(f"/v1/groups/{g}/messages", headers=teen.auth).status_code == 404
    r = http.post("/v1/messages", json={"group": g, "text": "early"}, headers=teen.auth)
    assert r.status_code == 403 and r.json()["error"]["code"] == "group.not_member"
    assert http.put(f"/v1/groups/{g}/mute", headers=teen.auth).status_code == 404
    assert http.post(f"/v1/messages/{message_id}/forward", json={"to": owner.handle},
                     headers=teen.auth).status_code == 404

    def status(method: str, path: str, caller, body: dict | None = None) -> int:  # type: ignore[no-untyped-def]
        return http.request(method, path, json=body, headers=caller.auth).status_code

    outsiders = (outsider, mod)
    # reading: members only; to anyone else the group does not exist
    for path in (f"/v1/groups/{g}", f"/v1/groups/{g}/messages"):
        assert status("GET", path, owner) == 200
        assert status("GET", path, member) == 200
        for caller in outsiders:
            assert status("GET", path, caller) == 404, (path, caller.handle)
    for caller in outsiders:
        listed = http.get("/v1/groups", headers=caller.auth).json()["groups"]
        assert all(x["id"] != g for x in listed)
        convs = http.get("/v1/conversations", headers=caller.auth).json()["conversations"]
        assert all(not (c.get("kind") == "group" and c.get("id") == g) for c in convs)
    # posting: members only
    for caller in outsiders:
        r = http.post("/v1/messages", json={"group": g, "text": "let me in"},
                      headers=caller.auth)
        assert r.status_code == 403 and r.json()["error"]["code"] == "group.not_member"
        why = http.post("/v1/groups/why", json={"group": g, "text": "hi"}, headers=caller.auth)
        assert why.status_code in (200, 404)
        if why.status_code == 200:
            assert [x["code"] for x in why.json()["reasons"]] == ["group.not_member"]
        # nor forward what they cannot see
        assert status("POST", f"/v1/messages/{message_id}/forward", caller,
                      {"to": owner.handle}) == 404
    # changing it: outsiders get 404 (no such group for them), members 403 where the
    # owner alone may act
    owner_only = (("PATCH", f"/v1/groups/{g}", {"name": "renamed"}),
                  ("DELETE", f"/v1/groups/{g}/members/{owner.handle}", None),
                  ("POST", f"/v1/groups/{g}/approve/{invited.handle}", None))
    for method, path, body in owner_only:
        assert status(method, path, member, body) == 403, (method, path)
        for caller in outsiders:
            assert status(method, path, caller, body) == 404, (method, path, caller.handle)
    members_may = (("POST", f"/v1/groups/{g}/members", {"handles": [invited.handle]}),
                   ("POST", f"/v1/groups/{g}/link", None),
                   ("PUT", f"/v1/groups/{g}/mute", None),
                   ("DELETE", f"/v1/groups/{g}/mute", None),
                   ("POST", f"/v1/groups/{g}/join", None),
                   ("POST", f"/v1/groups/{g}/decline", None),
                   ("POST", "/v1/groups/why", {"group": g, "invite": invited.handle}))
    for method, path, body in members_may:
        for caller in outsiders:
            assert status(method, path, caller, body) == 404, (method, path, caller.handle)
    assert status("POST", "/v1/reports", outsider, {"group_id": g, "reason": "spam"}) == 404
    # the member adds someone, who is then in the group
    r = http.post(f"/v1/groups/{g}/members", json={"handles": [invited.handle]},
                  headers=member.auth)
    assert r.status_code == 200 and r.json()["results"][0]["outcome"] == "added"
    # a member's own join and decline: join is harmless, decline is not how to leave
    assert http.post(f"/v1/groups/{g}/join", headers=member.auth).json()["state"] == "member"
    assert 400 <= status("POST", f"/v1/groups/{g}/decline", member) < 500
    # a join link lets an outsider in through the invite checks
    token = http.post(f"/v1/groups/{g}/link", headers=member.auth).json()["token"]
    assert http.post("/v1/groups/join", json={"token": "nope"},
                     headers=outsider.auth).status_code == 404
    # the owner's powers
    assert http.patch(f"/v1/groups/{g}", json={"name": "renamed"},
                      headers=owner.auth).json()["group"]["name"] == "renamed"
    assert status("DELETE", f"/v1/groups/{g}/members/{invited.handle}", owner) == 204
    assert status("GET", f"/v1/groups/{g}", invited) == 404  # removed: gone for them
    assert status("DELETE", f"/v1/groups/{g}/members/{invited.handle}", owner) == 404
    # moderators: the console's list and closing are theirs alone
    for caller in (owner, member, outsider):
        assert status("GET", "/v1/mod/groups", caller) == 403
        assert status("POST", "/v1/mod/actions", caller,
                      {"action": "close_group", "group_id": g}) == 403
    assert status("POST", "/v1/mod/actions", mod, {"action": "close_group", "group_id": g}) == 200
    r = http.post("/v1/messages", json={"group": g, "text": "anyone?"}, headers=member.auth)
    assert r.json()["error"]["code"] == "group.closed"
    joined = http.post("/v1/groups/join", json={"token": token}, headers=outsider.auth)
    assert joined.json()["outcome"] == "refused"
    assert "group.closed" in [x["code"] for x in joined.json()["reasons"]]
    assert status("POST", "/v1/mod/actions", mod, {"action": "reopen_group", "group_id": g}) == 200
    r = http.post("/v1/messages", json={"group": g, "text": "back"}, headers=member.auth)
    assert r.status_code == 201, r.text


def test_the_stream_says_muted_and_never_carries_a_blocked_member(  # type: ignore[no-untyped-def]
        server, http: httpx.Client, user) -> None:
    owner, member, _, _, g = _setup(http, user)
    assert http.put(f"/v1/groups/{g}/mute", headers=member.auth).status_code == 204

    async def frames(who, after: int | None = None, count: int = 1) -> list[dict]:
        query = f"?after={after}&token={who.token}" if after is not None else ""
        headers = {} if after is not None else who.auth
        async with websockets.connect(f"{server.ws_url}/v1/stream{query}",
                                      additional_headers=headers) as ws:
            out: list[dict] = []
            try:
                while len(out) < count:
                    event = json.loads(await asyncio.wait_for(ws.recv(), 3))
                    if event["kind"] == "group_message":
                        out.append(event)
            except TimeoutError:
                pass
            return out

    async def live(who, *sends: tuple) -> list[dict]:  # type: ignore[no-untyped-def]
        async with websockets.connect(f"{server.ws_url}/v1/stream",
                                      additional_headers=who.auth) as ws:
            assert json.loads(await ws.recv())["kind"] == "ready"
            for sender, text in sends:
                assert http.post("/v1/messages", json={"group": g, "text": text},
                                 headers=sender.auth).status_code == 201
            out: list[dict] = []
            try:
                while True:
                    event = json.loads(await asyncio.wait_for(ws.recv(), 3))
                    if event["kind"] == "group_message":
                        out.append(event)
            except TimeoutError:
                return out

    got = asyncio.run(live(member, (owner, "while muted")))
    assert [(e["payload"]["message"]["text"], e["payload"]["muted"]) for e in got] == [
        ("while muted", True)]
    before_block = got[0]["id"] - 1
    # the member blocks the owner: the owner's group messages never reach them again,
    # not live, not on a stream resumed from before the block, not in the history
    assert http.put(f"/v1/blocks/{owner.handle}", headers=member.auth).status_code in (200, 204)
    got = asyncio.run(live(member, (owner, "after the block"), (member, "mine")))
    assert [e["payload"]["message"]["text"] for e in got] == ["mine"]
    replayed = asyncio.run(frames(member, after=before_block, count=5))
    assert [e["payload"]["message"]["text"] for e in replayed] == ["mine"]
    history = http.get(f"/v1/groups/{g}/messages", headers=member.auth).json()["messages"]
    assert [m["text"] for m in history] == ["mine"]
    # the owner still sees everything, and their own stream is unmuted
    history = http.get(f"/v1/groups/{g}/messages", headers=owner.auth).json()["messages"]
    assert [m["text"] for m in history] == ["while muted", "after the block", "mine"]
