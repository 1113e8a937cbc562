"""Every appealable reason names something to appeal, over HTTP against a real server:
a held message, a refused attempt, a flag and a closed group. For each: the reason
carries its target, the appeal is accepted, an overturn undoes the effect, an
upheld appeal keeps it, and the verdict is stored as a label for the content
models (read from the server's own SQLite file). Bad targets are 4xx naming the
field; someone else's target is 404, exactly as one that does not exist."""

from __future__ import annotations

import sqlite3

import httpx
import pytest
from apikit import Server, mutual, send

MISINFORMATION = "vaccines cause autism, look it up"  # held by the default policy
LINKS = "deals http://a.example http://b.example http://c.example http://d.example"  # spam.link


def _labels(server: Server, text: str) -> list[tuple[str, int, str]]:
    with sqlite3.connect(server.log.parent / "api.db") as db:
        return db.execute("SELECT kind, positive, source FROM labels WHERE text = ? "
                          "ORDER BY id", (text,)).fetchall()


def _appeal(http: httpx.Client, who, target: str) -> httpx.Response:  # type: ignore[no-untyped-def]
    return http.post("/v1/appeals", json={"target": target, "statement": "this was fine"},
                     headers=who.auth)


def _decide(http: httpx.Client, mod, appeal_id: int, decision: str) -> dict:  # type: ignore[no-untyped-def]
    r = http.post(f"/v1/mod/appeals/{appeal_id}", json={"decision": decision}, headers=mod.auth)
    assert r.status_code == 200, r.text
    return r.json()


def _texts(http: httpx.Client, reader, other) -> list[str]:  # type: ignore[no-untyped-def]
    for folder in ("inbox", "requests"):
        for c in http.get(f"/v1/conversations?folder={folder}",
                          headers=reader.auth).json()["conversations"]:
            if c.get("with") == other.handle:
                r = http.get(f"/v1/conversations/{c['id']}/messages", headers=reader.auth)
                return [m["text"] for m in r.json()["messages"]]
    return []


def _queue_item(http: httpx.Client, mod, appeal_id: int) -> dict:  # type: ignore[no-untyped-def]
    items = http.get("/v1/mod/queue", headers=mod.auth).json()["items"]
    return next(i for i in items if i["kind"] == "appeal" and i["id"] == appeal_id)


def _held(http: httpx.Client, sender, to) -> tuple[dict, str]:  # type: ignore[no-untyped-def]
    r = send(http, sender, to, MISINFORMATION + f" ({sender.handle})")
    assert r.status_code == 201 and r.json()["message"]["outcome"] == "held", r.text
    reason = r.json()["notices"][0]["reasons"][0]
    assert reason["appealable"] is True
    assert reason["appeal_target"] == f"held:{r.json()['message']['id']}"
    return r.json()["message"], reason["appeal_target"]


@pytest.mark.parametrize("decision", ["overturn", "uphold"])
def test_a_held_message(http: httpx.Client, server: Server, user, mod, decision) -> None:  # type: ignore[no-untyped-def]
    sender, friend = user("ha"), user("hb")
    mutual(http, sender, friend)
    message, target = _held(http, sender, friend)
    text = MISINFORMATION + f" ({sender.handle})"
    standing = http.get("/v1/me/standing", headers=sender.auth).json()
    assert [h["appeal_target"] for h in standing["held"]] == [target]
    r = _appeal(http, sender, target)
    assert r.status_code == 201, r.text
    item = _queue_item(http, mod, r.json()["id"])
    assert item["target"] == target and item["context"]["text"] == text
    assert item["context"]["to"] == friend.handle
    assert [x["code"] for x in item["context"]["reasons"]] == ["guidelines.misinformation"]
    assert text not in _texts(http, friend, sender)
    decided = _decide(http, mod, r.json()["id"], decision)
    if decision == "overturn":
        assert decided["state"] == "overturned" and decided["delivered"] == "delivered"
        assert text in _texts(http, friend, sender)  # released: the friend has it
        assert _labels(server, text) == [("abuse", 0, "verdict:held_appeal_overturned")]
    else:
        assert decided["state"] == "upheld"
        assert text not in _texts(http, friend, sender)  # still held
        assert _labels(server, text) == [("abuse", 1, "verdict:held_appeal_upheld")]
    assert decided["labels"] == 1
    assert _appeal(http, sender, target).status_code in (404, 409)  # once only


def _refused(http: httpx.Client, sender, to, text: str = LINKS) -> dict:  # type: ignore[no-untyped-def]
    r = send(http, sender, to, text)
    assert r.status_code == 403, r.text
    return r.json()


@pytest.mark.parametrize("decision", ["overturn", "uphold"])
def test_a_refused_attempt(http: httpx.Client, server: Server, user, mod, decision) -> None:  # type: ignore[no-untyped-def]
    sender, friend = user("ra"), user("rb")
    mutual(http, sender, friend)
    text = f"{LINKS} {sender.handle}"
    body = _refused(http, sender, friend, text)
    link = next(x for x in body["reasons"] if x["code"] == "spam.link")
    target = link["appeal_target"]
    assert target and target.startswith("attempt:") and target[8:].isdigit()
    assert body["error"]["appeal_target"] == target
    standing = http.get("/v1/me/standing", headers=sender.auth).json()
    refused = next(a for a in standing["refused"] if a["appeal_target"] == target)
    assert refused["to"] == friend.handle and refused["text"] == text
    assert [x["code"] for x in refused["reasons"]] == [x["code"] for x in body["reasons"]]
    r = _appeal(http, sender, target)
    assert r.status_code == 201, r.text
    context = _queue_item(http, mod, r.json()["id"])["context"]
    assert context["text"] == text and context["to"] == friend.handle
    assert context["attempted_at"] == refused["attempted_at"]
    assert "spam.link" in [x["code"] for x in context["reasons"]]
    assert all("detail" in x for x in context["reasons"])  # the moderator's view
    decided = _decide(http, mod, r.json()["id"], decision)
    assert decided["labels"] == 1
    if decision == "overturn":
        assert decided["delivered"] == "delivered"
        assert text in _texts(http, friend, sender)
        conv = next(c for c in http.get("/v1/conversations", headers=friend.auth)
                    .json()["conversations"] if c.get("with") == sender.handle)
        shown = http.get(f"/v1/conversations/{conv['id']}/messages",
                         headers=friend.auth).json()["messages"]
        assert next(m for m in shown if m["text"] == text)["sent_at"] == refused["attempted_at"]
        assert _labels(server, text) == [("spam", 0, "verdict:attempt_overturned")]
        after = http.get("/v1/me/standing", headers=sender.auth).json()
        assert next(a for a in after["refused"]
                    if a["appeal_target"] == target)["delivered"] == "delivered"
    else:
        assert text not in _texts(http, friend, sender)
        assert _labels(server, text) == [("spam", 1, "verdict:attempt_upheld")]


def test_a_refusal_that_involves_a_block_reads_like_one_without(http: httpx.Client, user, mod) -> None:  # type: ignore[no-untyped-def]
    """The block is not appealable and never shows; overturning the spam reason does
    not get the message past the block, and the sender reads only `refused`."""
    sender, blocker, closed = user("ba"), user("bb"), user("bc")
    assert http.put(f"/v1/blocks/{sender.handle}", headers=blocker.auth).status_code == 200
    assert http.patch("/v1/me/settings", json={"who_can_message": "nobody"},
                      headers=closed.auth).status_code == 200
    blocked, nobody = _refused(http, sender, blocker), _refused(http, sender, closed)
    shape = [[(x["code"], x["appealable"], bool(x["appeal_target"])) for x in b["reasons"]]
             for b in (blocked, nobody)]
    assert shape[0] == shape[1]
    assert shape[0][0] == ("privacy.not_accepting", False, False)
    assert ("spam.link", True, True) in shape[0]
    assert {x["appeal_target"] for x in blocked["reasons"][1:]} == {
        next(x for x in blocked["reasons"] if x["code"] == "spam.link")["appeal_target"]}
    assert blocked["error"]["code"] == nobody["error"]["code"] == "privacy.not_accepting"
    # only a block alone: nothing appealable, nothing kept
    alone = _refused(http, sender, blocker, "just hello")
    assert [x["appeal_target"] for x in alone["reasons"]] == [None]
    standing = http.get("/v1/me/standing", headers=sender.auth).json()
    assert all("privacy.blocked" not in str(a) for a in standing["refused"])
    assert {a["text"] for a in standing["refused"]} == {LINKS}
    target = next(x for x in blocked["reasons"] if x["code"] == "spam.link")["appeal_target"]
    appeal = _appeal(http, sender, target).json()
    decided = _decide(http, mod, appeal["id"], "overturn")
    assert decided["delivered"] == "refused"
    assert LINKS not in _texts(http, blocker, sender)
    shown = http.get("/v1/me/standing", headers=sender.auth).json()
    assert next(a for a in shown["refused"] if a["appeal_target"] == target)["delivered"] \
        == "refused"
    assert "blocked" not in str(http.get("/v1/appeals", headers=sender.auth).json())


def _flagged(http: httpx.Client, user, mod):  # type: ignore[no-untyped-def]
    """An account flagged by three reporters of its messages; returns it and its target."""
    flagged = user("fa")
    for i in range(3):
        reporter = user("fr")
        r = send(http, flagged, reporter, f"cheap pills {flagged.handle} {i}")
        assert r.status_code == 201, r.text
        r = http.post("/v1/reports", json={"message_id": r.json()["message"]["id"],
                                           "reason": "spam"}, headers=reporter.auth)
        assert r.status_code == 201, r.text
    stranger = user("fs")
    r = send(http, flagged, stranger, "hello there")
    assert r.status_code == 403 and r.json()["error"]["code"] == "account.flagged", r.text
    target = r.json()["error"]["appeal_target"]
    assert target and target.startswith("flag:") and target[5:].isdigit()
    standing = http.get("/v1/me/standing", headers=flagged.auth).json()
    assert standing["flag"]["appeal_target"] == target
    assert [x["appeal_target"] for x in standing["restrictions"]] == [target]
    return flagged, stranger, target


@pytest.mark.parametrize("decision", ["overturn", "uphold"])
def test_a_flag(http: httpx.Client, server: Server, user, mod, decision) -> None:  # type: ignore[no-untyped-def]
    flagged, stranger, target = _flagged(http, user, mod)
    r = _appeal(http, flagged, target)
    assert r.status_code == 201, r.text
    context = _queue_item(http, mod, r.json()["id"])["context"]
    assert context["source"] == "reports" and len(context["open_reports"]) == 3
    decided = _decide(http, mod, r.json()["id"], decision)
    assert decided["labels"] == 3
    standing = http.get("/v1/me/standing", headers=flagged.auth).json()
    texts = [f"cheap pills {flagged.handle} {i}" for i in range(3)]
    if decision == "overturn":
        assert standing["flagged"] is False and standing["flag"] is None
        r = send(http, flagged, stranger, "hello again")
        assert "account.flagged" not in str(r.json()), r.text  # other reasons may remain
        assert all(_labels(server, t) == [("spam", 0, "verdict:flag_overturned")] for t in texts)
    else:
        assert standing["flagged"] is True
        r = send(http, flagged, stranger, "hello again")
        assert r.status_code == 403 and r.json()["error"]["code"] == "account.flagged"
        assert all(_labels(server, t) == [("spam", 1, "verdict:flag_upheld")] for t in texts)


@pytest.mark.parametrize("decision", ["overturn", "uphold"])
def test_a_closed_group(http: httpx.Client, server: Server, user, mod, decision) -> None:  # type: ignore[no-untyped-def]
    owner, friend = user("ga"), user("gb")
    mutual(http, owner, friend)
    r = http.post("/v1/groups", json={"name": "club", "members": [friend.handle]},
                  headers=owner.auth)
    group = r.json()["group"]
    text = f"welcome to the club {owner.handle}"
    assert http.post("/v1/messages", json={"group": group["id"], "text": text},
                     headers=owner.auth).status_code == 201
    assert http.post("/v1/reports", json={"group_id": group["id"], "reason": "spam"},
                     headers=friend.auth).status_code == 201
    assert http.post("/v1/mod/actions", json={"action": "close_group", "group_id": group["id"]},
                     headers=mod.auth).status_code == 200
    r = http.post("/v1/messages", json={"group": group["id"], "text": "hello?"},
                  headers=owner.auth)
    target = r.json()["error"]["appeal_target"]
    assert target == f"group:{group['id']}"
    standing = http.get("/v1/me/standing", headers=owner.auth).json()
    assert [g["appeal_target"] for g in standing["closed_groups"]] == [target]
    assert _appeal(http, friend, target).status_code == 404  # only the owner appeals
    r = _appeal(http, owner, target)
    assert r.status_code == 201, r.text
    context = _queue_item(http, mod, r.json()["id"])["context"]
    assert context["name"] == "club" and context["members"] == 2
    assert [x["reason"] for x in context["reports"]] == ["spam"]
    decided = _decide(http, mod, r.json()["id"], decision)
    assert decided["labels"] == 1
    r = http.post("/v1/messages", json={"group": group["id"], "text": "back?"},
                  headers=friend.auth)
    if decision == "overturn":
        assert r.status_code == 201, r.text  # reopened, members as they were
        assert set(http.get(f"/v1/groups/{group['id']}", headers=owner.auth)
                   .json()["group"]["members"]) == {owner.handle, friend.handle}
        assert _labels(server, text) == [("spam", 0, "verdict:group_overturned")]
    else:
        assert r.status_code == 403 and r.json()["error"]["code"] == "group.closed"
        assert _labels(server, text) == [("spam", 1, "verdict:group_upheld")]


def test_a_refused_group_message_is_an_attempt_too(http: httpx.Client, user, mod) -> None:  # type: ignore[no-untyped-def]
    owner, friend = user("gc"), user("gd")
    mutual(http, owner, friend)
    group = http.post("/v1/groups", json={"name": "deals", "members": [friend.handle]},
                      headers=owner.auth).json()["group"]
    text = f"{LINKS} group {owner.handle}"
    r = http.post("/v1/messages", json={"group": group["id"], "text": text}, headers=owner.auth)
    assert r.status_code == 403, r.text
    target = r.json()["error"]["appeal_target"]
    assert target.startswith("attempt:")
    appeal = _appeal(http, owner, target).json()
    assert _queue_item(http, mod, appeal["id"])["context"]["group"]["id"] == group["id"]
    assert _decide(http, mod, appeal["id"], "overturn")["delivered"] == "delivered"
    shown = http.get(f"/v1/groups/{group['id']}/messages", headers=friend.auth).json()
    assert text in [m["text"] for m in shown["messages"]]


def test_someone_elses_targets_are_not_found(http: httpx.Client, user) -> None:  # type: ignore[no-untyped-def]
    sender, friend, other = user("oa"), user("ob"), user("oc")
    mutual(http, sender, friend)
    _, held = _held(http, sender, friend)
    attempt = next(x["appeal_target"] for x in _refused(http, sender, friend)["reasons"]
                   if x["code"] == "spam.link")
    for target in (held, attempt):
        kind, number = target.split(":")
        theirs = _appeal(http, other, target)
        missing = _appeal(http, other, f"{kind}:{int(number) + 10**9}")
        assert theirs.status_code == missing.status_code == 404, theirs.text
        assert theirs.json()["error"]["field"] == missing.json()["error"]["field"] == "target"
        # the answer names the id asked, and nothing of the owner or the text
        assert sender.handle not in theirs.text and "vaccines" not in theirs.text
    for target in ("flag:1", "group:1", "held:1", "attempt:1"):
        assert _appeal(http, other, target).status_code == 404


@pytest.mark.parametrize("target", [
    "held:", "held:abc", "held:-1", "held:+1", "held: 1", "held:1 ", "held:١٢",
    "held:99999999999999999999", "held:0x1", "attempt:1.0", "flag:", "message:1",
    "held_group:", "held_group:x", "group_held:1",
    "HELD:1", "held:1:2", "", "held", ":1", "held:" + "9" * 40])
def test_bad_targets_are_refused_naming_the_field(http: httpx.Client, user, target: str) -> None:  # type: ignore[no-untyped-def]
    me = user("bt")
    r = _appeal(http, me, target)
    assert r.status_code in (404, 422), r.text
    if r.status_code == 422:
        assert r.json()["error"]["field"] == "target"


def test_targets_that_are_not_strings_or_too_big(http: httpx.Client, user) -> None:  # type: ignore[no-untyped-def]
    me = user("bu")
    for target in (1, None, ["held:1"], {"held": 1}, "attempt:9223372036854775808",
                   "attempt:0"):
        r = http.post("/v1/appeals", json={"target": target, "statement": "x"},
                      headers=me.auth)
        assert r.status_code == 422, (target, r.text)
        assert r.json()["error"]["field"] == "target"


@pytest.mark.parametrize("decision", ["overturn", "uphold"])
def test_a_held_group_message(http: httpx.Client, server: Server, user, mod, decision) -> None:  # type: ignore[no-untyped-def]
    owner, friend = user("hg"), user("hh")
    mutual(http, owner, friend)
    group = http.post("/v1/groups", json={"name": "news", "members": [friend.handle]},
                      headers=owner.auth).json()["group"]
    text = f"{MISINFORMATION} in the group {owner.handle}"
    r = http.post("/v1/messages", json={"group": group["id"], "text": text}, headers=owner.auth)
    assert r.status_code == 201 and r.json()["message"]["outcome"] == "held", r.text
    target = r.json()["notices"][0]["reasons"][0]["appeal_target"]
    assert target == f"held_group:{r.json()['message']['id']}"
    assert [h["group"] for h in http.get("/v1/me/standing", headers=owner.auth)
            .json()["held"] if h["appeal_target"] == target] == ["news"]
    assert _appeal(http, friend, target).status_code == 404  # not theirs

    def friend_sees() -> bool:
        shown = http.get(f"/v1/groups/{group['id']}/messages", headers=friend.auth).json()
        return text in [m["text"] for m in shown["messages"]]

    assert not friend_sees()
    appeal = _appeal(http, owner, target).json()
    assert _queue_item(http, mod, appeal["id"])["context"]["group"]["name"] == "news"
    decided = _decide(http, mod, appeal["id"], decision)
    assert decided["labels"] == 1
    assert friend_sees() is (decision == "overturn")
    positive = 1 if decision == "uphold" else 0
    assert _labels(server, text) == [("abuse", positive,
                                      f"verdict:held_appeal_{decided['state']}")]


def test_a_repeated_refusal_is_the_same_attempt(http: httpx.Client, user) -> None:  # type: ignore[no-untyped-def]
    sender, a, b = user("da"), user("db"), user("dc")

    def target(to, **extra) -> str:  # type: ignore[no-untyped-def]
        body = _refused(http, sender, to, f"{LINKS} {sender.handle}") if not extra else \
            send(http, sender, to, f"{LINKS} {sender.handle}", **extra).json()
        return next(x["appeal_target"] for x in body["reasons"] if x["code"] == "spam.link")

    first = target(a)
    assert target(a) == first  # the same text to the same person: one thing to appeal
    assert target(a, client_msg_id="k-1") == first
    assert target(b) != first  # to someone else: another attempt
    standing = http.get("/v1/me/standing", headers=sender.auth).json()
    assert len(standing["refused"]) == 2
