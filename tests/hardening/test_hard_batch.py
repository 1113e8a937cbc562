"""One sender's failing attempt fails that attempt alone, whatever the cause.

Sends from many connections meet in the writer's group commit (api/writer.py), one
transaction per batch. Here some of them fail: in the store for real (a trigger aborts
the insert of a POISON text), or as malformed input of every kind we know. Every
honest send around them must be stored, once, and answered 201.

On main before this branch the honest sends already survived (a failed batch was
redone one send at a time), but the attacker's lone surrogates were 500s instead of
422s, zero-width texts were stored, and each failure made its whole batch run again
one transaction per send; now the failing attempt is rolled back to its own savepoint
and the rest of its batch commits."""

from __future__ import annotations

import itertools
import threading
from collections import Counter

import httpx
from hardkit import POISON, Hard, User, mutual

HONEST_SENDERS = 20
PER_SENDER = 15


def _stored_texts(http: httpx.Client, reader: User) -> Counter:
    seen: Counter = Counter()
    for conversation in http.get("/v1/conversations", headers=reader.auth).json()[
            "conversations"]:
        if conversation.get("kind") != "direct":
            continue
        after = 0
        while True:
            page = http.get(f"/v1/conversations/{conversation['id']}/messages",
                            params={"after_seq": after, "limit": 200},
                            headers=reader.auth).json()["messages"]
            seen.update(m["text"] for m in page)
            if len(page) < 200:
                break
            after = page[-1]["seq"]
    return seen


def test_a_send_the_store_fails_fails_alone_and_its_neighbours_are_stored(
        hard: Hard, http, user, poison) -> None:
    hub = user("bh")
    senders = [user("bs") for _ in range(8)]
    for s in senders:
        mutual(http, s, hub)
    group = http.post("/v1/groups", json={"name": "batch", "members": []},
                      headers=hub.auth).json()
    gid = group.get("id") or group["group"]["id"]
    answers: list[tuple[str, str, int, str | None, dict]] = []
    lock = threading.Lock()

    def go(s: User, n: int) -> None:
        with httpx.Client(base_url=hard.url, timeout=60) as client:
            for i in range(n):
                text = f"{POISON} {s.handle} {i}" if i % 3 == 1 else f"fine {s.handle} {i}"
                kind = "group" if i % 4 == 0 else "direct"
                body = {"group": gid, "text": text} if kind == "group" else {
                    "to": hub.handle, "text": text}
                r = client.post("/v1/messages", json={**body, "client_msg_id": f"{s.handle}-{i}"},
                                headers=s.auth)
                with lock:
                    answers.append((kind, text, r.status_code,
                                    r.headers.get("x-request-id"), r.json()))

    # The hub owns the group; the senders send there only as members.
    for s in senders:
        r = http.post(f"/v1/groups/{gid}/members", json={"handles": [s.handle]},
                      headers=hub.auth)
        assert r.status_code == 200, r.text
        http.post(f"/v1/groups/{gid}/join", headers=s.auth)
    threads = [threading.Thread(target=go, args=(s, 12)) for s in senders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 8 * 12
    for _, text, status, rid, body in answers:
        if POISON in text:
            assert status == 500, body
            assert rid and body["error"]["request_id"] == rid
            assert body["error"]["code"] == "server_error"
        else:
            assert status == 201, (text, body)
    fine = {kind: [t for k, t, *_ in answers if k == kind and POISON not in t]
            for kind in ("direct", "group")}
    stored = _stored_texts(http, hub)
    assert all(stored[t] == 1 for t in fine["direct"]), stored
    history = http.get(f"/v1/groups/{gid}/messages", headers=hub.auth).json()["messages"]
    in_group = Counter(m["text"] for m in history)
    assert all(in_group[t] == 1 for t in fine["group"]), in_group
    assert not any(POISON in t for t in [*stored, *in_group])


def test_one_attacker_fails_no_honest_send_among_twenty(hard: Hard, http, user,
                                                        poison) -> None:
    hub = user("ch")
    honest = [user("cs") for _ in range(HONEST_SENDERS)]
    for s in honest:
        mutual(http, s, hub)
    attacker = user("cx")
    failures: list[tuple[str, int, str]] = []
    attack_problems: list[tuple[str, int, str]] = []
    attack_answers: Counter = Counter()
    honest_done = threading.Event()
    lock = threading.Lock()

    def send_honestly(s: User) -> None:
        with httpx.Client(base_url=hard.url, timeout=60) as client:
            for i in range(PER_SENDER):
                text = f"honest {s.handle} number {i}"
                r = client.post("/v1/messages", json={"to": hub.handle, "text": text,
                                                      "client_msg_id": f"{s.handle}-{i}"},
                                headers=s.auth)
                if r.status_code != 201:
                    with lock:
                        failures.append((text, r.status_code, r.text[:200]))

    json_headers = {**attacker.auth, "content-type": "application/json"}
    to = hub.handle.encode()
    attacks = [
        # (what, request arguments, the answers it may get)
        ("surrogate", dict(content=b'{"to": "%s", "text": "a\\ud800b"}' % to), {422}),
        ("low surrogate", dict(content=b'{"to": "%s", "text": "\\udfff"}' % to), {422}),
        ("zero width", dict(json={"to": hub.handle, "text": "\u200b\u200d"}), {422}),
        ("group 2^63", dict(json={"group": 2**63, "text": "x"}), {422}),
        ("bad json", dict(content=b'{"to": "%s", "text": ' % to), {422}),
        ("nobody", dict(json={"to": "nobody_by_that_name", "text": "x"}), {404}),
        ("myself", dict(json={"to": attacker.handle, "text": "x"}), {422}),
        ("too long", dict(json={"to": hub.handle, "text": "x" * 5000}), {422}),
        ("nul", dict(json={"to": hub.handle, "text": "a\x00b"}), {422}),
        ("bad id", dict(json={"to": hub.handle, "text": "x", "client_msg_id": "x" * 99}),
         {422}),
        ("store fails", dict(json={"to": hub.handle, "text": f"{POISON} x"}), {500}),
    ]

    def attack() -> None:
        with httpx.Client(base_url=hard.url, timeout=60) as client:
            for n in itertools.count():
                if honest_done.is_set() and n >= len(attacks) * 3:
                    return
                what, kwargs, allowed = attacks[n % len(attacks)]
                r = client.post("/v1/messages", headers=json_headers, **kwargs)
                with lock:
                    attack_answers[(what, r.status_code)] += 1
                    if r.status_code not in allowed or not r.headers.get("x-request-id"):
                        attack_problems.append((what, r.status_code, r.text[:200]))
                if n % 7 == 0:  # and other doors, on the same connection
                    for path in (f"/v1/conversations/{2**63}/messages",
                                 f"/v1/groups/1/messages?after_seq={2**63}"):
                        status = client.get(path, headers=attacker.auth).status_code
                        if status != 422:
                            with lock:
                                attack_problems.append((path, status, ""))

    attacker_thread = threading.Thread(target=attack)
    threads = [threading.Thread(target=send_honestly, args=(s,)) for s in honest]
    attacker_thread.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    honest_done.set()
    attacker_thread.join()
    assert failures == []
    assert attack_problems == []
    assert sum(attack_answers.values()) >= len(attacks) * 3, attack_answers
    stored = _stored_texts(http, hub)
    for s in honest:
        for i in range(PER_SENDER):
            assert stored[f"honest {s.handle} number {i}"] == 1
