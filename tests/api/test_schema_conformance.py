"""Real answers against the published description: every operation in /openapi.json is
driven on a real server (its happy path and the errors it documents that a test can
bring about), and each answer is checked with jsonschema against the schema that
/openapi.json gives for that operation and status. An undocumented status fails, as
does a body the schema does not admit. The operations driven must be exactly those
/openapi.json lists: a new route without a test here fails this test.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from apikit import (
    ADULT,
    DEMO_PASSWORD,
    PASSWORD,
    Server,
    User,
    login,
    mutual,
    start_server,
    stop_server,
)

Json = dict[str, Any]


class Published:
    """Sends requests, and checks each answer against /openapi.json."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        self.spec: Json = http.get("/openapi.json").json()
        self.covered: dict[str, set[int]] = {}
        self._n = 0

    def operations(self) -> set[str]:
        return {f"{method.upper()} {path}" for path, ops in self.spec["paths"].items()
                for method in ops}

    def call(self, method: str, template: str, user: User | None = None, *,
             expect: int, path: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """`method template` with `path` filled in; the status must be `expect` and the
        answer as the operation publishes it. Returns the JSON body (None for 204)."""
        operation = self.spec["paths"][template][method.lower()]
        url = template.format(**(path or {}))
        headers = {**(user.auth if user else {}), **kwargs.pop("headers", {})}
        r = self.http.request(method, url, headers=headers, **kwargs)
        where = f"{method} {url} -> {r.status_code}: {r.text[:500]}"
        assert r.status_code == expect, where
        documented = operation["responses"].get(str(r.status_code))
        assert documented is not None, f"undocumented status: {where}"
        content = documented.get("content")
        if r.status_code == 204 or not content:
            assert not r.content, f"a body where none is published: {where}"
            body = None
        else:
            assert r.headers["content-type"].startswith("application/json"), where
            body = r.json()
            schema = {**content["application/json"]["schema"],
                      "components": self.spec["components"]}
            jsonschema.validate(body, schema, cls=jsonschema.Draft202012Validator,
                                format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
        self.covered.setdefault(f"{method} {template}", set()).add(r.status_code)
        return body

    def user(self, prefix: str, **fields: Any) -> User:
        self._n += 1
        handle = f"{prefix}{self._n}"
        self.call("POST", "/v1/accounts", expect=201,
                  json={"handle": handle, "password": PASSWORD, "birthdate": ADULT, **fields})
        body = self.call("POST", "/v1/sessions", expect=201,
                         json={"handle": handle, "password": PASSWORD})
        return User(handle, body["token"])


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = start_server(tmp_path_factory.mktemp("conformance"), "--demo")
    yield srv
    stop_server(srv)


def mailed_code(server: Server, to: str) -> str:
    mails = [json.loads(line) for line in server.mail.read_text().splitlines()]
    return [m for m in mails if m["to"] == to][-1]["data"]["code"]


def accounts(api: Published, server: Server) -> User:
    a = api.user("ca", email="ca@example.org", birthdate="1990-01-01")
    api.call("POST", "/v1/accounts", expect=409, json={"handle": a.handle, "password": PASSWORD})
    api.call("POST", "/v1/accounts", expect=422, json={"handle": ".x", "password": PASSWORD})
    api.call("POST", "/v1/sessions", expect=401, json={"handle": a.handle, "password": "wrong!!!"})
    api.call("POST", "/v1/sessions", expect=422, json={"handle": a.handle})
    api.call("GET", "/v1/me", a, expect=200)
    api.call("PATCH", "/v1/me/settings", a, expect=200, json={"display_name": "Ca"})
    api.call("PATCH", "/v1/me/settings", a, expect=422, json={"private": "yes"})
    api.call("GET", "/v1/me/standing", a, expect=200)
    api.call("PUT", "/v1/me/birthdate", a, expect=409, json={"birthdate": "1991-02-03"})
    later = api.user("cb", birthdate=None)
    api.call("PUT", "/v1/me/birthdate", later, expect=422, json={"birthdate": "tomorrow"})
    api.call("PUT", "/v1/me/birthdate", later, expect=200, json={"birthdate": "1991-02-03"})
    api.call("POST", "/v1/me/verification", a, expect=202)
    api.call("POST", "/v1/me/verification/confirm", a, expect=422, json={"code": "000000"}
             if mailed_code(server, "ca@example.org") != "000000" else {"code": "111111"})
    api.call("POST", "/v1/me/verification/confirm", a, expect=200,
             json={"code": mailed_code(server, "ca@example.org")})
    api.call("POST", "/v1/me/verification", a, expect=409)  # already verified
    api.call("POST", "/v1/me/verification", api.user("cn"), expect=422)  # no email
    eager = api.user("ce", email="ce@example.org")
    for _ in range(5):
        api.call("POST", "/v1/me/verification", eager, expect=202)
    assert api.call("POST", "/v1/me/verification", eager, expect=429)["error"]["retry_after"] > 0
    ticket = api.call("POST", "/v1/stream/tickets", a, expect=201)
    assert ticket["ticket"] and ticket["expires_in"] > 0
    api.call("POST", "/v1/stream/tickets", expect=401)
    changer = api.user("cp")
    api.call("PUT", "/v1/me/password", changer, expect=422, json={"current_password": PASSWORD})
    api.call("PUT", "/v1/me/password", changer, expect=204,
             json={"current_password": PASSWORD, "new_password": PASSWORD + "-new"})
    other = login(api.http, a.handle)
    api.call("DELETE", "/v1/sessions", other, expect=204)
    api.call("GET", "/v1/me", other, expect=401)
    return a


def social(api: Published) -> None:
    a, b, shy = api.user("sa"), api.user("sb"), api.user("ss")
    api.call("PUT", "/v1/follows/{handle}", a, expect=200, path={"handle": b.handle})
    api.call("PUT", "/v1/follows/{handle}", a, expect=404, path={"handle": "nobody_here"})
    api.call("DELETE", "/v1/follows/{handle}", a, expect=204, path={"handle": b.handle})
    api.call("DELETE", "/v1/follows/{handle}", a, expect=404, path={"handle": "nobody_here"})
    api.call("PATCH", "/v1/me/settings", shy, expect=200, json={"private": True})
    assert api.call("PUT", "/v1/follows/{handle}", a, expect=200,
                    path={"handle": shy.handle})["state"] == "pending"
    api.call("PUT", "/v1/follows/{handle}", b, expect=200, path={"handle": shy.handle})
    asked = api.call("GET", "/v1/follow-requests", shy, expect=200)["requests"]
    assert {r["handle"] for r in asked} == {a.handle, b.handle}
    api.call("POST", "/v1/follow-requests/{handle}/approve", shy, expect=200,
             path={"handle": a.handle})
    api.call("POST", "/v1/follow-requests/{handle}/decline", shy, expect=200,
             path={"handle": b.handle})
    for action in ("approve", "decline"):
        api.call("POST", f"/v1/follow-requests/{{handle}}/{action}", shy, expect=404,
                 path={"handle": "nobody_here"})
    api.call("PUT", "/v1/blocks/{handle}", a, expect=200, path={"handle": b.handle})
    api.call("PUT", "/v1/blocks/{handle}", a, expect=404, path={"handle": "nobody_here"})
    assert api.call("GET", "/v1/blocks", a, expect=200)["blocked"] == [b.handle]
    api.call("DELETE", "/v1/blocks/{handle}", a, expect=204, path={"handle": b.handle})
    api.call("DELETE", "/v1/blocks/{handle}", a, expect=404, path={"handle": "nobody_here"})


def messages(api: Published) -> None:
    a, b, c, blocker = api.user("ma"), api.user("mb"), api.user("mc"), api.user("mk")
    mutual(api.http, a, b)
    sent = api.call("POST", "/v1/messages", a, expect=201, json={"to": b.handle, "text": "hi"})
    api.call("POST", "/v1/messages", a, expect=201,
             json={"to": b.handle, "text": "hi", "client_msg_id": "m-1"})
    api.call("POST", "/v1/messages", a, expect=201,  # a replay answers as the first
             json={"to": b.handle, "text": "hi", "client_msg_id": "m-1"})
    api.call("PUT", "/v1/blocks/{handle}", blocker, expect=200, path={"handle": a.handle})
    refused = api.call("POST", "/v1/messages", a, expect=403,
                       json={"to": blocker.handle, "text": "hello?"})
    assert refused["error"]["code"] != "privacy.blocked"
    api.call("POST", "/v1/messages", a, expect=404, json={"to": "nobody_here", "text": "x"})
    api.call("POST", "/v1/messages", a, expect=422, json={"to": b.handle, "group": 1,
                                                          "text": "x"})
    api.call("POST", "/v1/why", a, expect=200, json={"to": blocker.handle, "text": "x"})
    api.call("POST", "/v1/why", a, expect=404, json={"to": "nobody_here"})
    conversation = sent["message"]["conversation_id"]
    api.call("GET", "/v1/conversations", b, expect=200)
    api.call("GET", "/v1/conversations", b, expect=422, params={"folder": "spam"})
    api.call("GET", "/v1/conversations/{conversation_id}/messages", b, expect=200,
             path={"conversation_id": conversation})
    api.call("GET", "/v1/conversations/{conversation_id}/messages", c, expect=404,
             path={"conversation_id": conversation})
    api.call("GET", "/v1/conversations/{conversation_id}/messages", b, expect=200,
             path={"conversation_id": conversation}, params={"before_seq": 2, "limit": 1})
    assert api.call("GET", "/v1/me/unread", b, expect=200)["inbox"] == 1
    api.call("POST", "/v1/conversations/{conversation_id}/read", b, expect=200,
             path={"conversation_id": conversation}, json={"seq": sent["message"]["seq"]})
    api.call("POST", "/v1/conversations/{conversation_id}/read", c, expect=404,
             path={"conversation_id": conversation}, json={"seq": 1})
    api.call("POST", "/v1/conversations/{conversation_id}/read", b, expect=422,
             path={"conversation_id": conversation}, json={"seq": -1})
    # message requests: c and a do not follow each other
    for text in ("one", "two"):
        asked = api.call("POST", "/v1/messages", c, expect=201, json={"to": a.handle,
                                                                      "text": text})
        assert asked["message"]["outcome"] == "requested"
    requests = api.call("GET", "/v1/conversations", a, expect=200,
                        params={"folder": "requests"})["conversations"]
    request_id = requests[0]["id"]
    api.call("POST", "/v1/conversations/{conversation_id}/accept", a, expect=200,
             path={"conversation_id": request_id})
    api.call("POST", "/v1/conversations/{conversation_id}/accept", c, expect=404,
             path={"conversation_id": 10**12})
    api.call("POST", "/v1/messages", b, expect=201, json={"to": c.handle, "text": "req"})
    theirs = api.call("GET", "/v1/conversations", c, expect=200,
                      params={"folder": "requests"})["conversations"][0]["id"]
    api.call("POST", "/v1/conversations/{conversation_id}/decline", c, expect=200,
             path={"conversation_id": theirs})
    api.call("POST", "/v1/conversations/{conversation_id}/decline", c, expect=404,
             path={"conversation_id": 10**12})


def groups(api: Published, mod: User) -> None:
    owner, friend, stranger = api.user("go"), api.user("gf"), api.user("gx")
    teen_birthdate = date(date.today().year - 17, 1, 1).isoformat()
    young = api.user("gy", birthdate=teen_birthdate)
    mutual(api.http, owner, friend)
    mutual(api.http, owner, young)
    made = api.call("POST", "/v1/groups", owner, expect=201,
                    json={"name": "trip", "members": [friend.handle, stranger.handle,
                                                      young.handle]})
    outcomes = {r["handle"]: r["outcome"] for r in made["results"]}
    assert outcomes == {friend.handle: "added", stranger.handle: "refused",
                        young.handle: "invited"}
    api.call("POST", "/v1/groups", owner, expect=404,
             json={"name": "trip", "members": ["nobody_here"]})
    gid = {"group_id": made["group"]["id"]}
    api.call("GET", "/v1/groups", young, expect=200)
    api.call("GET", "/v1/groups/{group_id}", friend, expect=200, path=gid)
    api.call("GET", "/v1/groups/{group_id}", stranger, expect=404, path=gid)
    api.call("PATCH", "/v1/groups/{group_id}", owner, expect=200, path=gid, json={"name": "x"})
    api.call("PATCH", "/v1/groups/{group_id}", friend, expect=403, path=gid, json={"name": "y"})
    api.call("PATCH", "/v1/groups/{group_id}", stranger, expect=404, path=gid, json={"name": "y"})
    api.call("POST", "/v1/groups/{group_id}/members", owner, expect=200, path=gid,
             json={"handles": [stranger.handle]})
    api.call("POST", "/v1/groups/{group_id}/members", stranger, expect=404, path=gid,
             json={"handles": [friend.handle]})
    api.call("POST", "/v1/groups/{group_id}/join", young, expect=200, path=gid)
    api.call("POST", "/v1/groups/{group_id}/join", stranger, expect=404, path=gid)
    sent = api.call("POST", "/v1/messages", friend, expect=201,
                    json={"group": gid["group_id"], "text": "hello group"})
    api.call("GET", "/v1/groups/{group_id}/messages", owner, expect=200, path=gid)
    api.call("GET", "/v1/groups/{group_id}/messages", stranger, expect=404, path=gid)
    api.call("GET", "/v1/conversations", owner, expect=200)  # a group in the inbox
    api.call("POST", "/v1/messages/{message_id}/forward", owner, expect=201,
             path={"message_id": sent["message"]["id"]}, json={"to": friend.handle})
    api.call("POST", "/v1/messages/{message_id}/forward", stranger, expect=404,
             path={"message_id": sent["message"]["id"]}, json={"to": friend.handle})
    api.call("POST", "/v1/groups/why", owner, expect=200, json={"group": gid["group_id"],
                                                                 "text": "hi"})
    api.call("POST", "/v1/groups/why", owner, expect=200, json={"group": gid["group_id"],
                                                                 "invite": stranger.handle})
    api.call("POST", "/v1/groups/why", stranger, expect=200, json={"group": gid["group_id"]})
    api.call("POST", "/v1/groups/why", owner, expect=404, json={"group": 10**12})
    for method in ("PUT", "DELETE"):
        api.call(method, "/v1/groups/{group_id}/mute", friend, expect=204, path=gid)
        api.call(method, "/v1/groups/{group_id}/mute", stranger, expect=404, path=gid)
    token = api.call("POST", "/v1/groups/{group_id}/link", owner, expect=200, path=gid)["token"]
    api.call("POST", "/v1/groups/{group_id}/link", stranger, expect=404, path=gid)
    joiner = api.user("gj")
    assert api.call("POST", "/v1/groups/join", joiner, expect=200,
                    json={"token": token})["outcome"] == "added"
    api.call("POST", "/v1/groups/join", joiner, expect=404, json={"token": "no-such-link"})
    api.call("DELETE", "/v1/groups/{group_id}/members/{handle}", owner, expect=204,
             path={**gid, "handle": joiner.handle})
    api.call("DELETE", "/v1/groups/{group_id}/members/{handle}", friend, expect=403,
             path={**gid, "handle": young.handle})
    api.call("DELETE", "/v1/groups/{group_id}/members/{handle}", stranger, expect=404,
             path={**gid, "handle": young.handle})
    # a teen's group: who joins by link waits for the owner
    teen_group = api.call("POST", "/v1/groups", young, expect=201,
                          json={"name": "teens", "members": []})
    tid = {"group_id": teen_group["group"]["id"]}
    teen_token = api.call("POST", "/v1/groups/{group_id}/link", young, expect=200,
                          path=tid)["token"]
    assert api.call("POST", "/v1/groups/join", owner, expect=200,
                    json={"token": teen_token})["outcome"] == "pending_approval"
    waiting = api.call("GET", "/v1/groups/{group_id}", young, expect=200, path=tid)
    assert [p["handle"] for p in waiting["group"]["pending"]] == [owner.handle]
    api.call("POST", "/v1/groups/{group_id}/approve/{handle}", owner, expect=403,
             path={**tid, "handle": owner.handle})
    api.call("POST", "/v1/groups/{group_id}/approve/{handle}", young, expect=200,
             path={**tid, "handle": owner.handle})
    api.call("POST", "/v1/groups/{group_id}/approve/{handle}", young, expect=404,
             path={**tid, "handle": owner.handle})
    # an invitation turned down (a teen is invited, not added); a member cannot decline
    other_teen = api.user("gt", birthdate=teen_birthdate)
    mutual(api.http, owner, other_teen)
    invited = api.call("POST", "/v1/groups/{group_id}/members", owner, expect=200, path=gid,
                       json={"handles": [other_teen.handle]})["results"]
    assert [r["outcome"] for r in invited] == ["invited"]
    api.call("POST", "/v1/groups/{group_id}/decline", other_teen, expect=204, path=gid)
    api.call("POST", "/v1/groups/{group_id}/decline", friend, expect=409, path=gid)
    api.call("POST", "/v1/groups/{group_id}/decline", stranger, expect=404, path=gid)
    # a closed group: joining by its link is refused in the refusal envelope
    api.call("POST", "/v1/mod/actions", mod, expect=200,
             json={"action": "close_group", "group_id": gid["group_id"], "reason": "test"})
    refused = api.call("POST", "/v1/groups/join", api.user("gz"), expect=403,
                       json={"token": token})
    assert refused["outcome"] == "refused" and refused["error"]["code"] == "group.closed"
    assert api.call("GET", "/v1/mod/groups", mod, expect=200)["groups"]


def people(api: Published, server: Server) -> None:
    me, found = api.user("pa"), api.user("pfound")
    api.call("PATCH", "/v1/me/settings", found, expect=200, json={"display_name": "Found"})
    page = api.call("GET", "/v1/users", me, expect=200, params={"q": "pfound", "limit": 1})
    assert [p["handle"] for p in page["results"]] == [found.handle]
    api.call("GET", "/v1/users", me, expect=422, params={"q": "x", "cursor": "%%%"})
    api.call("GET", "/v1/users/{handle}", me, expect=200, path={"handle": found.handle})
    api.call("GET", "/v1/users/{handle}", me, expect=404, path={"handle": "nobody_here"})
    contacts = {"emails": ["friend@example.org", "not an address"], "phones": ["+44 20 7946 0958"]}
    api.call("PUT", "/v1/me/contacts", me, expect=409, json=contacts)
    api.call("PATCH", "/v1/me/settings", me, expect=200, json={"sync_contacts": True})
    stored = api.call("PUT", "/v1/me/contacts", me, expect=200, json=contacts)
    assert [s["field"] for s in stored["skipped"]] == ["emails[1]"]
    api.call("PUT", "/v1/me/contacts", me, expect=422, json={"emails": "a@example.org"})
    api.call("GET", "/v1/me/contacts/matches", me, expect=200)
    api.call("DELETE", "/v1/me/contacts", me, expect=204)
    phone = api.call("PUT", "/v1/me/phone", me, expect=200, json={"phone": "+44 20 7946 0123"})
    api.call("PUT", "/v1/me/phone", me, expect=422, json={"phone": "12"})
    code = mailed_code(server, phone["phone"])
    api.call("POST", "/v1/me/phone/confirm", me, expect=422,
             json={"code": "000000" if code != "000000" else "111111"})
    api.call("POST", "/v1/me/phone/confirm", me, expect=200, json={"code": code})
    api.call("PUT", "/v1/me/phone", me, expect=200, json={"phone": None})


def safety_and_moderation(api: Published, mod: User) -> None:
    a, b = api.user("ra"), api.user("rb")
    mutual(api.http, a, b)
    sent = api.call("POST", "/v1/messages", a, expect=201, json={"to": b.handle, "text": "hey"})
    api.call("POST", "/v1/reports", b, expect=201, json={"handle": a.handle, "reason": "spam"})
    api.call("POST", "/v1/reports", b, expect=201,
             json={"message_id": sent["message"]["id"], "reason": "spam"})
    api.call("POST", "/v1/reports", b, expect=404, json={"handle": "nobody_here",
                                                         "reason": "spam"})
    api.call("GET", "/v1/mod/queue", mod, expect=200)
    api.call("GET", "/v1/mod/queue", a, expect=403)
    struck = api.call("POST", "/v1/mod/actions", mod, expect=200,
                      json={"action": "strike", "handle": a.handle, "category": "harassment"})
    api.call("POST", "/v1/mod/actions", mod, expect=200, json={"action": "flag",
                                                                "handle": b.handle})
    api.call("POST", "/v1/mod/actions", mod, expect=404, json={"action": "flag",
                                                                "handle": "nobody_here"})
    api.call("POST", "/v1/mod/actions", mod, expect=422, json={"action": "strike",
                                                                "handle": a.handle})
    api.call("POST", "/v1/mod/actions", a, expect=403, json={"action": "flag",
                                                              "handle": b.handle})
    appeal = api.call("POST", "/v1/appeals", a, expect=201,
                      json={"target": f"strike:{struck['strike_id']}", "statement": "not me"})
    api.call("POST", "/v1/appeals", a, expect=409,
             json={"target": f"strike:{struck['strike_id']}", "statement": "again"})
    api.call("POST", "/v1/appeals", a, expect=404, json={"target": "strike:999999999",
                                                         "statement": "?"})
    api.call("GET", "/v1/appeals", a, expect=200)
    api.call("GET", "/v1/mod/queue", mod, expect=200)  # with the appeal in it
    api.call("POST", "/v1/mod/appeals/{appeal_id}", mod, expect=200,
             path={"appeal_id": appeal["id"]}, json={"decision": "overturn"})
    api.call("POST", "/v1/mod/appeals/{appeal_id}", mod, expect=409,
             path={"appeal_id": appeal["id"]}, json={"decision": "uphold"})
    api.call("POST", "/v1/mod/appeals/{appeal_id}", mod, expect=404,
             path={"appeal_id": 10**12}, json={"decision": "uphold"})
    api.call("POST", "/v1/mod/why", mod, expect=200, json={"from": a.handle, "to": b.handle})
    made = api.call("POST", "/v1/groups", a, expect=201, json={"name": "g", "members": []})
    gid = made["group"]["id"]
    api.call("POST", "/v1/mod/why", mod, expect=200, json={"from": a.handle, "group": gid,
                                                            "text": "hi"})
    api.call("POST", "/v1/mod/why", mod, expect=200, json={"from": a.handle, "group": gid,
                                                            "invite": b.handle})
    api.call("POST", "/v1/mod/why", mod, expect=422, json={"from": a.handle, "to": b.handle,
                                                            "group": gid})
    api.call("POST", "/v1/mod/why", mod, expect=404, json={"from": a.handle,
                                                            "to": "nobody_here"})


def held_review(api: Published, mod: User) -> None:
    """Held messages in the queue, direct and in a group, released or kept held."""
    held = "vaccines cause autism, look it up"  # held by the default policy
    a, b = api.user("ha"), api.user("hb")
    mutual(api.http, a, b)
    gid = api.call("POST", "/v1/groups", a, expect=201,
                   json={"name": "held", "members": [b.handle]})["group"]["id"]
    in_group = api.call("POST", "/v1/messages", a, expect=201,
                        json={"group": gid, "text": f"{held} (group)"})["message"]["id"]
    direct = api.call("POST", "/v1/messages", a, expect=201,
                      json={"to": b.handle, "text": f"{held} (direct)"})["message"]["id"]
    kinds = {(i["kind"], i["id"]) for i in api.call("GET", "/v1/mod/queue", mod, expect=200)
             ["items"]}
    assert {("held_group_message", in_group), ("held_message", direct)} <= kinds
    api.call("POST", "/v1/mod/actions", mod, expect=200,
             json={"action": "confirm_held", "message_id": direct})
    api.call("POST", "/v1/mod/actions", mod, expect=409,
             json={"action": "confirm_held", "message_id": direct})
    api.call("POST", "/v1/mod/actions", mod, expect=200,
             json={"action": "release", "message_id": in_group})
    api.call("POST", "/v1/mod/actions", mod, expect=404,
             json={"action": "release", "message_id": in_group})
    api.call("POST", "/v1/mod/actions", mod, expect=422, json={"action": "confirm_held"})


def every_401(api: Published) -> None:
    """Each operation that needs a session answers 401, in the envelope, without one."""
    for operation in sorted(api.operations()):
        method, template = operation.split(" ")
        if api.spec["paths"][template][method.lower()].get("security"):
            path = {name: "1" for name in re.findall(r"{(\w+)}", template)}
            api.call(method, template, expect=401, path=path,
                     headers={"Authorization": "Bearer not-a-token"})


def test_every_operation_answers_as_published(own: Server) -> None:
    with httpx.Client(base_url=own.url, timeout=20) as http:
        api = Published(http)
        mod = login(http, "mod", DEMO_PASSWORD)
        api.call("GET", "/v1/meta", expect=200)
        api.call("GET", "/healthz", expect=200)
        accounts(api, own)
        social(api)
        messages(api)
        groups(api, mod)
        people(api, own)
        safety_and_moderation(api, mod)
        held_review(api, mod)
        every_401(api)
        published = api.operations()
        assert set(api.covered) == published, {
            "not driven": sorted(published - set(api.covered)),
            "not published": sorted(set(api.covered) - published)}
        happy = {op for op, statuses in api.covered.items() if any(s < 300 for s in statuses)}
        assert happy == published, sorted(published - happy)
        print(f"schema conformance: {len(published)} operations, "
              f"{sum(len(s) for s in api.covered.values())} (operation, status) pairs checked")


def test_a_body_the_schema_does_not_admit_fails_the_check(own: Server) -> None:
    """The checker above can fail: an answer with a field of the wrong type is refused."""
    with httpx.Client(base_url=own.url, timeout=20) as http:
        api = Published(http)
        body = http.get("/v1/meta").json()
        schema = {**api.spec["paths"]["/v1/meta"]["get"]["responses"]["200"]["content"][
            "application/json"]["schema"], "components": api.spec["components"]}
        jsonschema.validate(body, schema, cls=jsonschema.Draft202012Validator)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**body, "version": 1}, schema,
                                cls=jsonschema.Draft202012Validator)


def test_the_description_is_the_served_one(own: Server, tmp_path: Path) -> None:
    """/openapi.json names the bearer scheme, and no error in FastAPI's default shape."""
    spec = httpx.get(f"{own.url}/openapi.json").json()
    assert spec["components"]["securitySchemes"]
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            for status, answer in op["responses"].items():
                if status.startswith(("4", "5")):
                    ref = answer["content"]["application/json"]["schema"]["$ref"]
                    assert ref.rsplit("/", 1)[1] in {"ErrorReply", "RefusalReply",
                                                     "LinkRefused"}, (method, path, status)
