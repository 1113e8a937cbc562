"""Moderators review held messages over HTTP against a real server, direct and in
groups: a held group message is in the queue with its group; release shows it to the
members (history and stream); confirm_held keeps it hidden, stores a label, takes it
off the queue and is audited, and the sender can still appeal it. Deciding something
that is not held (or already decided) is a 4xx naming message_id; only moderators
may. Labels and the audit log are read from the server's own SQLite file."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import httpx
import pytest
import websockets
from apikit import Server, mutual, send

MISINFORMATION = "vaccines cause autism, look it up"  # held by the default policy


def _db(server: Server) -> sqlite3.Connection:
    return sqlite3.connect(server.log.parent / "api.db")


def _labels(server: Server, text: str) -> list[tuple[str, int, str]]:
    with _db(server) as db:
        return db.execute("SELECT kind, positive, source FROM labels WHERE text = ? "
                          "ORDER BY id", (text,)).fetchall()


def _audited(server: Server, action: str, message_id: int) -> list[dict]:
    with _db(server) as db:
        rows = db.execute("SELECT detail, actor_id FROM audit_log WHERE action = ?",
                          (action,)).fetchall()
    return [{**json.loads(d), "actor_id": a} for d, a in rows
            if json.loads(d).get("message_id") == message_id]


def _queue(http: httpx.Client, mod) -> list[dict]:  # type: ignore[no-untyped-def]
    r = http.get("/v1/mod/queue", headers=mod.auth)
    assert r.status_code == 200, r.text
    return r.json()["items"]


def _act(http: httpx.Client, who, action: str, **body: object) -> httpx.Response:  # type: ignore[no-untyped-def]
    return http.post("/v1/mod/actions", json={"action": action, **body}, headers=who.auth)


def _held_in_group(http: httpx.Client, user):  # type: ignore[no-untyped-def]
    """A group of an owner and a member; the owner's message to it is held."""
    owner, member = user("ho"), user("hm")
    mutual(http, owner, member)
    r = http.post("/v1/groups", json={"name": f"news {owner.handle}",
                                      "members": [member.handle]}, headers=owner.auth)
    assert r.status_code == 201, r.text
    group = r.json()["group"]
    text = f"{MISINFORMATION} in the group {owner.handle}"
    r = http.post("/v1/messages", json={"group": group["id"], "text": text}, headers=owner.auth)
    assert r.status_code == 201 and r.json()["message"]["outcome"] == "held", r.text
    return owner, member, group, r.json()["message"]["id"], text


def _held_direct(http: httpx.Client, user):  # type: ignore[no-untyped-def]
    sender, recipient = user("hs"), user("hr")
    mutual(http, sender, recipient)
    text = f"{MISINFORMATION} says {sender.handle}"
    r = send(http, sender, recipient, text)
    assert r.status_code == 201 and r.json()["message"]["outcome"] == "held", r.text
    return sender, recipient, r.json()["message"]["id"], text


def _members_see(http: httpx.Client, member, group: dict, text: str) -> list[dict]:  # type: ignore[no-untyped-def]
    r = http.get(f"/v1/groups/{group['id']}/messages", headers=member.auth)
    assert r.status_code == 200, r.text
    return [m for m in r.json()["messages"] if m["text"] == text]


def _recipient_sees(http: httpx.Client, recipient, sender, text: str) -> bool:  # type: ignore[no-untyped-def]
    for folder in ("inbox", "requests"):
        for c in http.get(f"/v1/conversations?folder={folder}",
                          headers=recipient.auth).json()["conversations"]:
            if c.get("with") == sender.handle:
                shown = http.get(f"/v1/conversations/{c['id']}/messages",
                                 headers=recipient.auth).json()["messages"]
                if text in [m["text"] for m in shown]:
                    return True
    return False


def test_a_held_group_message_is_in_the_queue_with_its_group(http: httpx.Client, user,  # type: ignore[no-untyped-def]
                                                             mod) -> None:
    owner, member, group, message_id, text = _held_in_group(http, user)
    assert message_id >= 2**40  # group message ids are numbered from the split
    [item] = [i for i in _queue(http, mod) if i["id"] == message_id]
    assert item["kind"] == "held_group_message"
    assert item["from"] == owner.handle and item["text"] == text
    assert item["group"] == {"id": group["id"], "name": group["name"]}
    assert "guidelines.misinformation" in [r["code"] for r in item["reasons"]]
    assert item["priority"] == 80 and item["priority_reason"].startswith("held group message")
    assert "to" not in item
    assert _members_see(http, member, group, text) == []


def test_release_shows_a_held_group_message_to_members_live_and_in_history(  # type: ignore[no-untyped-def]
        http: httpx.Client, server: Server, user, mod) -> None:
    owner, member, group, message_id, text = _held_in_group(http, user)

    async def released_live() -> tuple[httpx.Response, list[dict]]:
        async with websockets.connect(f"{server.ws_url}/v1/stream",
                                      additional_headers=member.auth) as ws:
            assert json.loads(await ws.recv())["kind"] == "ready"
            r = _act(http, mod, "release", message_id=message_id)
            got: list[dict] = []
            try:
                while not got:
                    event = json.loads(await asyncio.wait_for(ws.recv(), 5))
                    if event["kind"] == "group_message":
                        got.append(event["payload"])
            except TimeoutError:
                pass
            return r, got

    r, got = asyncio.run(released_live())
    assert r.status_code == 200, r.text
    released = r.json()["message"]
    assert (released["id"], released["group_id"], released["outcome"]) == (
        message_id, group["id"], "delivered")
    assert [(p["message"]["text"], p["from"]) for p in got] == [(text, owner.handle)]
    [shown] = _members_see(http, member, group, text)
    assert shown["outcome"] == "delivered"  # never tells members it had been held
    assert all(i["id"] != message_id for i in _queue(http, mod))
    assert _labels(server, text) == [("abuse", 0, "verdict:released")]
    # decided: releasing or confirming it again finds no held message
    for action in ("release", "confirm_held"):
        again = _act(http, mod, action, message_id=message_id)
        assert again.status_code == 404, again.text
        assert again.json()["error"]["field"] == "message_id"


@pytest.mark.parametrize("kind", ["group", "direct"])
def test_confirm_keeps_it_hidden_labels_it_and_takes_it_off_the_queue(  # type: ignore[no-untyped-def]
        http: httpx.Client, server: Server, user, mod, kind: str) -> None:
    if kind == "group":
        sender, member, group, message_id, text = _held_in_group(http, user)
        target = f"held_group:{message_id}"

        def hidden() -> bool:
            return _members_see(http, member, group, text) == []
    else:
        sender, recipient, message_id, text = _held_direct(http, user)
        target = f"held:{message_id}"

        def hidden() -> bool:
            return not _recipient_sees(http, recipient, sender, text)
    assert any(i["id"] == message_id for i in _queue(http, mod))
    r = _act(http, mod, "confirm_held", message_id=message_id)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["action"], body["message_id"], body["labels"]) == (
        "confirm_held", message_id, 1)
    assert body.get("group_id") == (group["id"] if kind == "group" else None)
    assert hidden()
    assert _labels(server, text) == [("abuse", 1, "verdict:held_confirmed")]
    assert not [i for i in _queue(http, mod) if i["kind"].startswith("held")
                and i["id"] == message_id]
    [entry] = _audited(server, "held_confirmed", message_id)
    assert entry["actor_id"] is not None
    # decided: a second confirm or a release is a conflict naming the field
    for action in ("confirm_held", "release"):
        again = _act(http, mod, action, message_id=message_id)
        assert again.status_code == 409, again.text
        assert again.json()["error"]["field"] == "message_id"
    assert hidden() and len(_labels(server, text)) == 1
    # the sender may still appeal it; the appeal is in the queue as an appeal
    appeal = http.post("/v1/appeals", json={"target": target, "statement": "it was satire"},
                       headers=sender.auth)
    assert appeal.status_code == 201, appeal.text
    listed = [i for i in _queue(http, mod) if i.get("target") == target
              or (i["kind"].startswith("held") and i["id"] == message_id)]
    assert [(i["kind"], i["target"]) for i in listed] == [("appeal", target)]
    decided = http.post(f"/v1/mod/appeals/{appeal.json()['id']}",
                        json={"decision": "overturn"}, headers=mod.auth)
    assert decided.status_code == 200 and decided.json()["delivered"], decided.text
    assert not hidden()


def test_a_wrong_or_visible_id_is_a_4xx_naming_message_id(http: httpx.Client, user,  # type: ignore[no-untyped-def]
                                                          mod) -> None:
    a, b = user("va"), user("vb")
    mutual(http, a, b)
    delivered = send(http, a, b, "plain hello").json()["message"]
    group = http.post("/v1/groups", json={"name": "plain", "members": [b.handle]},
                      headers=a.auth).json()["group"]
    in_group = http.post("/v1/messages", json={"group": group["id"], "text": "plain hi"},
                         headers=a.auth).json()["message"]
    assert in_group["outcome"] == "delivered"
    for action in ("release", "confirm_held"):
        for message_id in (delivered["id"], in_group["id"], 10**12, 2**40 + 10**9, 2**53 - 1):
            r = _act(http, mod, action, message_id=message_id)
            assert r.status_code == 404, (action, message_id, r.text)
            assert r.json()["error"]["field"] == "message_id"
        for bad in ({}, {"message_id": 0}, {"message_id": "x"}, {"message_id": 2**62}):
            r = _act(http, mod, action, **bad)
            assert 400 <= r.status_code < 500, (action, bad, r.text)
            assert r.json()["error"]["field"] == "message_id", r.text


def test_only_moderators_review_held_messages(http: httpx.Client, user, mod) -> None:  # type: ignore[no-untyped-def]
    owner, member, group, message_id, text = _held_in_group(http, user)
    for who in (owner, member):
        assert http.get("/v1/mod/queue", headers=who.auth).status_code == 403
        for action in ("release", "confirm_held"):
            assert _act(http, who, action, message_id=message_id).status_code == 403
    assert http.post("/v1/mod/actions", json={"action": "confirm_held",
                                              "message_id": message_id}).status_code == 401
    assert _members_see(http, member, group, text) == []
    assert any(i["id"] == message_id for i in _queue(http, mod))
