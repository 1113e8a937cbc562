"""Two real `sendable serve` processes on one PostgreSQL and one Redis.

A rate limit reached through node A holds on node B; a message sent through A
reaches a WebSocket on B at once (B polls only every 30 s, so only Redis pub/sub
can explain a quick arrival); stopping a node, gently or not, loses nothing it
acknowledged. Skips unless the run was given both servers (SENDABLE_TEST_DB and
SENDABLE_TEST_REDIS); fails when they were given and do not answer.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import signal
import threading
import time
from typing import Any

import httpx
import pytest
import websockets

PASSWORD = "correct horse battery"
LIMITED = """
[new_accounts]
days = 0

[rate_limits]
messages = ["3/minute"]
new_conversations = ["100/hour"]
"""
ROOMY = """
[new_accounts]
days = 0

[rate_limits]
messages = ["100000/minute"]
new_conversations = ["100000/hour"]
"""
SLOW_POLL = 30.0
_names = itertools.count(1)


def account(node: Any, prefix: str) -> tuple[str, dict[str, str]]:
    """A new account, signed in on `node`: (handle, auth headers)."""
    handle = f"{prefix}{next(_names)}_{int(time.time()) % 100000}"
    r = httpx.post(f"{node.url}/v1/accounts", json={"handle": handle, "password": PASSWORD,
                                                       "birthdate": "1990-01-01"},
                   timeout=30)
    assert r.status_code == 201, r.text
    r = httpx.post(f"{node.url}/v1/sessions", json={"handle": handle, "password": PASSWORD},
                   timeout=30)
    assert r.status_code == 201, r.text
    return handle, {"Authorization": f"Bearer {r.json()['token']}"}


def mutual(node: Any, a: tuple[str, dict], b: tuple[str, dict]) -> None:
    for (_, auth), (other, _) in ((a, b), (b, a)):
        r = httpx.put(f"{node.url}/v1/follows/{other}", headers=auth, timeout=30)
        assert r.status_code == 200, r.text


def send(node: Any, sender: tuple[str, dict], to: str, text: str,
         **extra: Any) -> httpx.Response:
    return httpx.post(f"{node.url}/v1/messages", headers=sender[1],
                      json={"to": to, "text": text, **extra}, timeout=30)


@pytest.fixture(scope="module")
def pair(start_node):  # type: ignore[no-untyped-def]
    """Node A (polls often) and node B (polls every 30 s), small limits."""
    a = start_node(LIMITED)
    b = start_node(LIMITED, poll=SLOW_POLL)
    return a, b


def test_a_rate_limit_hit_through_one_node_holds_on_the_other(pair) -> None:  # type: ignore[no-untyped-def]
    a, b = pair
    chatty, pal = account(a, "chatty"), account(b, "pal")
    mutual(a, chatty, pal)
    for i in range(3):
        assert send(a, chatty, pal[0], f"message {i}").status_code == 201
    refused = send(b, chatty, pal[0], "one more")
    assert refused.status_code == 429, refused.text
    assert [r["code"] for r in refused.json()["reasons"]] == ["rate.messages"]
    assert int(refused.headers["Retry-After"]) > 0
    why = httpx.post(f"{b.url}/v1/why", headers=chatty[1], json={"to": pal[0], "text": "?"},
                     timeout=30)
    assert why.status_code == 200 and why.json()["sendable"] is False


async def _arrival(sender_node: Any, stream_node: Any, sender: tuple, recipient: tuple,
                   text: str) -> tuple[dict, float]:
    """Send `text` through one node; the frame on the other node's stream, and how long
    it took from the send starting."""
    async with websockets.connect(f"{stream_node.ws_url}/v1/stream",
                                  additional_headers=recipient[1]) as ws:
        ready = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert ready["kind"] == "ready"
        started = time.monotonic()
        async with httpx.AsyncClient(timeout=30) as client:
            r = await client.post(f"{sender_node.url}/v1/messages", headers=sender[1],
                                  json={"to": recipient[0], "text": text})
            assert r.status_code == 201, r.text
        frame = json.loads(await asyncio.wait_for(ws.recv(), SLOW_POLL - 5))
        return frame, time.monotonic() - started


def test_a_message_sent_through_one_node_reaches_a_stream_on_the_other_at_once(pair) -> None:  # type: ignore[no-untyped-def]
    a, b = pair
    ann, bob = account(a, "ann"), account(b, "bob")
    mutual(a, ann, bob)
    frame, took = asyncio.run(_arrival(a, b, ann, bob, "across the nodes"))
    assert frame["kind"] == "message"
    assert frame["payload"]["message"]["text"] == "across the nodes"
    assert frame["payload"]["from"] == ann[0]
    # B polls every 30 s: arriving within a few seconds (under load) is pub/sub's doing.
    assert took < 5.0, f"took {took:.2f} s"


def test_stopping_a_node_loses_nothing_it_acknowledged(start_node) -> None:  # type: ignore[no-untyped-def]
    doomed, survivor = start_node(ROOMY), start_node(ROOMY)
    people = [account(survivor, "tx") for _ in range(4)]
    hub = account(survivor, "hub")
    for person in people:
        mutual(survivor, person, hub)

    acked: dict[str, int] = {}  # client_msg_id -> message id, from 201 answers
    other_answers: list[str] = []  # anything but 201 or a shutting-down 503
    attempted: list[tuple[tuple, str]] = []
    lock = threading.Lock()
    stop_sending = threading.Event()

    def keep_sending(person: tuple, node: Any) -> None:
        with httpx.Client(timeout=30) as client:
            for n in itertools.count():
                if stop_sending.is_set():
                    return
                cid = f"{person[0]}-{node.url[-5:]}-{n}"
                with lock:
                    attempted.append((person, cid))
                try:
                    r = client.post(f"{node.url}/v1/messages", headers=person[1],
                                    json={"to": hub[0], "text": f"note {cid}",
                                          "client_msg_id": cid})
                except httpx.HTTPError:
                    return  # the node is gone: this one was never acknowledged
                if r.status_code != 201:
                    if r.status_code != 503:
                        with lock:
                            other_answers.append(f"{r.status_code} {r.text[:300]}")
                    return  # shutting down (503): not acknowledged either
                with lock:
                    acked[cid] = r.json()["message"]["id"]

    # 1. SIGTERM in the middle of a burst: in-flight sends finish or fail, never vanish.
    threads = [threading.Thread(target=keep_sending, args=(p, doomed)) for p in people]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while len(acked) < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    doomed.stop(signal.SIGTERM)
    stop_sending.set()
    for t in threads:
        t.join()
    assert doomed.process.returncode is not None
    gentle = len(acked)
    assert other_answers == []
    assert gentle >= 20

    # 2. SIGKILL right after an acknowledged send.
    doomed = start_node(ROOMY)
    for i in range(5):
        cid = f"killed-{i}"
        attempted.append((people[0], cid))
        r = send(doomed, people[0], hub[0], f"note {cid}", client_msg_id=cid)
        assert r.status_code == 201, r.text
        acked[cid] = r.json()["message"]["id"]
    doomed.stop(signal.SIGKILL)

    # Every acknowledged message is there on the survivor, once, and a client that
    # retries what it never got an answer for gets one message, never two.
    by_text: dict[str, list[int]] = {}
    conversations = httpx.get(f"{survivor.url}/v1/conversations", headers=hub[1],
                              timeout=30).json()["conversations"]
    assert len(conversations) == len(people)
    for conversation in conversations:
        after = 0
        while True:
            page = httpx.get(f"{survivor.url}/v1/conversations/{conversation['id']}/messages",
                             params={"after_seq": after, "limit": 200}, headers=hub[1],
                             timeout=30).json()["messages"]
            for m in page:
                by_text.setdefault(m["text"], []).append(m["id"])
            if len(page) < 200:
                break
            after = page[-1]["seq"]
    for cid, message_id in acked.items():
        assert by_text.get(f"note {cid}") == [message_id], cid
    for person, cid in attempted:
        if cid not in acked:
            r = send(survivor, person, hub[0], f"note {cid}", client_msg_id=cid)
            assert r.status_code == 201, r.text
    for person, cid in attempted:
        r = send(survivor, person, hub[0], f"note {cid}", client_msg_id=cid)
        assert r.headers.get("Idempotent-Replayed") == "true"
        if cid in acked:
            assert r.json()["message"]["id"] == acked[cid]
    assert gentle + 5 == len(acked)
