# ruff: noqa: F811  (pytest fixtures imported from leakkit are used as parameters)
"""The privacy matrix (issue 14): for each private fact, every endpoint the other
party can reach answers as some case without the fact could.

Each row builds two cases on a real server: one with the fact, one without it
but with settings that any account may choose. The other party then asks the
same endpoints of both, and the answers (status and body, with handles, ids and
times taken out) must be equal.

Facts: a block (the blocked account asks of the blocker; and the blocker's own
attempts, seen from the blocked side), an underage recipient, a declined message
request, a held message, an account that is not discoverable.

Endpoints covered (ENDPOINTS below): POST /v1/messages, POST /v1/why,
PUT /v1/follows/{h}, GET /v1/users/{h}, GET /v1/users?q=, POST /v1/groups
(members), POST /v1/groups/why (invite), POST /v1/reports (handle; message_id),
POST /v1/messages/{id}/forward, GET /v1/conversations (both folders),
GET /v1/conversations/{id}/messages, GET /metrics (the codes counted),
the live stream (event kinds), and the web conversation page's follow button.
"""

from __future__ import annotations

import asyncio
import json
import re

import websockets
from leakkit import browser, http, server, settings, user  # noqa: F401

ENDPOINTS = ("POST /v1/messages", "POST /v1/why", "PUT /v1/follows/{h}", "GET /v1/users/{h}",
             "GET /v1/users?q=", "POST /v1/groups", "POST /v1/groups/why",
             "POST /v1/reports", "POST /v1/messages/{id}/forward", "GET /v1/conversations",
             "GET /v1/conversations/{id}/messages", "GET /metrics", "WS /v1/stream",
             "GET /with/{h}")
QUIET = {"who_can_message": "nobody", "group_invites": "nobody", "discoverable": False}
_IDS = re.compile(r'"(id|conversation_id|group_id|seq|sent_at|at|created_at|updated_at|'
                  r'request_id|cursor|last_seq)": ("[^"]*"|\d+)')


def _norm(status: int, body: object, names: dict[str, str]) -> tuple[int, str]:
    text = json.dumps(body, sort_keys=True)
    for real, alias in names.items():
        text = text.replace(real, alias)
    return status, _IDS.sub(r'"\1": "_"', text)


def _toward(http, me, them, names):  # type: ignore[no-untyped-def]
    """What `me` hears from every endpoint about `them`."""
    h, out = them.handle, []
    calls = [("post", "/v1/messages", {"to": h, "text": "hello there"}),
             ("post", "/v1/why", {"to": h, "text": "hello there"}),
             ("put", f"/v1/follows/{h}", None), ("get", f"/v1/users/{h}", None),
             ("post", "/v1/groups", {"name": "g", "members": [h]})]
    for method, path, body in calls:
        r = http.request(method, path, json=body, headers=me.auth)
        out.append(_norm(r.status_code, r.json(), names))
    r = http.get("/v1/users", params={"q": h}, headers=me.auth)
    out.append(_norm(r.status_code, r.json(), names))
    gid = http.post("/v1/groups", json={"name": "mine", "members": []},
                    headers=me.auth).json()["group"]["id"]
    r = http.post("/v1/groups/why", json={"group": gid, "invite": h}, headers=me.auth)
    out.append(_norm(r.status_code, r.json(), names))
    r = http.post("/v1/reports", json={"handle": h, "reason": "spam"}, headers=me.auth)
    out.append((r.status_code, "report"))
    for folder in ("inbox", "requests"):
        r = http.get("/v1/conversations", params={"folder": folder}, headers=me.auth)
        out.append(_norm(r.status_code, r.json(), names))
    return out


def _stream_kinds(server, me) -> list[str]:  # type: ignore[no-untyped-def]
    async def go() -> list[str]:
        kinds = []
        async with websockets.connect(f"{server.ws_url}/v1/stream?after=0",
                                      additional_headers=me.auth) as ws:
            try:
                async with asyncio.timeout(1.0):
                    async for frame in ws:
                        kinds.append(json.loads(frame)["kind"])
            except TimeoutError:
                pass
        return kinds
    return asyncio.run(go())


def _public_codes(http, me) -> set[str]:  # type: ignore[no-untyped-def]
    return set(re.findall(r'code="([a-z_.]+)"', http.get("/metrics", headers=me.auth).text))


def test_a_block_reads_as_settings_to_the_blocked_account(http, server, user):
    fan, blocker = user("xa"), user("xb")
    fan2, quiet = user("xa"), user("xb")
    settings(http, quiet, **QUIET)
    settings(http, blocker, discoverable=True)
    assert http.put(f"/v1/blocks/{fan.handle}", headers=blocker.auth).status_code == 200
    fact = _toward(http, fan, blocker, {fan.handle: "ME", blocker.handle: "THEM"})
    control = _toward(http, fan2, quiet, {fan2.handle: "ME", quiet.handle: "THEM"})
    assert fact == control
    assert _stream_kinds(server, fan) == _stream_kinds(server, fan2)
    with browser(server.url, fan.handle) as a, browser(server.url, fan2.handle) as b:
        button = re.compile(r"(Follow requested|Following|Follow)\b")
        assert button.findall(a.get(f"/with/{blocker.handle}").text) == \
            button.findall(b.get(f"/with/{quiet.handle}").text)
    assert "privacy.blocked" not in _public_codes(http, fan)


def test_the_blockers_own_attempts_show_nothing_to_the_blocked(http, server, user):
    blocker, blocked = user("ya"), user("yb")
    idle, other = user("ya"), user("yb")
    assert http.put(f"/v1/blocks/{blocked.handle}", headers=blocker.auth).status_code == 200
    http.post("/v1/messages", json={"to": blocked.handle, "text": "hi"}, headers=blocker.auth)
    http.put(f"/v1/follows/{blocked.handle}", headers=blocker.auth)
    http.post("/v1/groups", json={"name": "g", "members": [blocked.handle]},
              headers=blocker.auth)
    fact = _toward(http, blocked, blocker, {blocked.handle: "ME", blocker.handle: "THEM"})
    # the control: someone who blocked nobody and chose quiet settings
    settings(http, idle, **QUIET)
    control = _toward(http, other, idle, {other.handle: "ME", idle.handle: "THEM"})
    assert fact == control
    assert _stream_kinds(server, blocked) == _stream_kinds(server, other)


def test_an_underage_recipient_reads_as_settings(http, server, user):
    a, kid = user("za"), user("zk", birthdate="2019-01-01")
    b, quiet = user("za"), user("zq")
    settings(http, kid, discoverable=True)
    settings(http, quiet, **QUIET)
    fact = _toward(http, a, kid, {a.handle: "ME", kid.handle: "THEM"})
    control = _toward(http, b, quiet, {b.handle: "ME", quiet.handle: "THEM"})
    assert fact == control
    assert "privacy.underage_recipient" not in _public_codes(http, a)


def test_a_declined_request_reads_as_unanswered(http, server, user):
    a, b, c, d = user("da"), user("db"), user("dc"), user("dd")
    cid = http.post("/v1/messages", json={"to": b.handle, "text": "hi"},
                    headers=a.auth).json()["message"]["conversation_id"]
    http.post("/v1/messages", json={"to": d.handle, "text": "hi"}, headers=c.auth)
    assert http.post(f"/v1/conversations/{cid}/decline", headers=b.auth).status_code == 200
    fact = _toward(http, a, b, {a.handle: "ME", b.handle: "THEM"})
    control = _toward(http, c, d, {c.handle: "ME", d.handle: "THEM"})
    assert fact == control
    assert _stream_kinds(server, a) == _stream_kinds(server, c)


def test_a_held_message_reads_as_one_that_does_not_exist(http, server, user):
    a, b = user("ha"), user("hb")
    held = http.post("/v1/messages", json={"to": b.handle, "text": "a miracle cure, believe it"},
                     headers=a.auth).json()["message"]
    assert held["outcome"] == "held"
    missing = held["id"] + 10_000_000
    for mid in (held["id"], missing):
        r = http.post("/v1/reports", json={"message_id": mid, "reason": "spam"}, headers=b.auth)
        assert r.status_code == 404
        f = http.post(f"/v1/messages/{mid}/forward", json={"to": a.handle}, headers=b.auth)
        assert f.status_code == 404
    assert http.get("/v1/conversations", params={"folder": "requests"},
                    headers=b.auth).json()["conversations"] == []
    r = http.get(f"/v1/conversations/{held['conversation_id']}/messages", headers=b.auth)
    assert r.status_code == 404 or r.json()["messages"] == []
    assert "message" not in _stream_kinds(server, b) and "request" not in _stream_kinds(server, b)


def test_an_account_that_is_not_discoverable_reads_as_no_one_to_strangers(http, server, user):
    seeker, hidden = user("na"), user("nb")
    settings(http, hidden, discoverable=False)
    r = http.get(f"/v1/users/{hidden.handle}", headers=seeker.auth)
    nobody = http.get("/v1/users/no_such_handle_x", headers=seeker.auth)
    assert _norm(r.status_code, r.json(), {hidden.handle: "X"}) == \
        _norm(nobody.status_code, nobody.json(), {"no_such_handle_x": "X"})
    assert http.get("/v1/users", params={"q": hidden.handle},
                    headers=seeker.auth).json()["results"] == []
    # by exact handle it answers as any account with the same settings
    seeker2, shown = user("na"), user("nb")
    fact = [x for i, x in enumerate(_toward(http, seeker, hidden,
                                            {seeker.handle: "ME", hidden.handle: "THEM"}))
            if i not in (3, 5)]  # the card and search are the two it changes, checked above
    control = [x for i, x in enumerate(_toward(http, seeker2, shown,
                                               {seeker2.handle: "ME", shown.handle: "THEM"}))
               if i not in (3, 5)]
    assert fact == control
