"""Groups on two real `sendable serve` nodes sharing one PostgreSQL and one Redis: a
group's rate window holds across nodes, and a group message sent through one node
reaches a member streaming on the other at once (that node polls only every 30 s,
so only Redis pub/sub explains a quick arrival). Skips without both servers."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest
import websockets
from test_two_nodes import SLOW_POLL, account, mutual

LIMITED = """
[new_accounts]
days = 0

[rate_limits]
group_messages = ["3/minute"]
"""


@pytest.fixture(scope="module")
def pair(start_node):  # type: ignore[no-untyped-def]
    return start_node(LIMITED), start_node(LIMITED, poll=SLOW_POLL)


def _group(node: Any, owner: tuple, *members: tuple) -> int:
    r = httpx.post(f"{node.url}/v1/groups", headers=owner[1], timeout=30,
                   json={"name": "nodes", "members": [m[0] for m in members]})
    assert r.status_code == 201, r.text
    assert all(x["outcome"] == "added" for x in r.json()["results"]), r.text
    return r.json()["group"]["id"]


def _send(node: Any, sender: tuple, group: int, text: str) -> httpx.Response:
    return httpx.post(f"{node.url}/v1/messages", headers=sender[1], timeout=30,
                      json={"group": group, "text": text})


def test_a_group_window_hit_through_one_node_holds_on_the_other(pair) -> None:  # type: ignore[no-untyped-def]
    a, b = pair
    owner, pal = account(a, "gown"), account(a, "gpal")
    mutual(a, owner, pal)
    group = _group(a, owner, pal)
    for i in range(3):
        assert _send(a, owner, group, f"line {i}").status_code == 201
    refused = _send(b, owner, group, "one more")
    assert refused.status_code == 429, refused.text
    assert refused.json()["error"]["code"] == "rate.group_messages"


def test_a_group_message_reaches_a_member_streaming_on_the_other_node(pair) -> None:  # type: ignore[no-untyped-def]
    a, b = pair
    owner, member = account(a, "gsend"), account(b, "gread")
    mutual(a, owner, member)
    group = _group(a, owner, member)

    async def arrival() -> tuple[dict, float]:
        async with websockets.connect(f"{b.ws_url}/v1/stream",
                                      additional_headers=member[1]) as ws:
            assert json.loads(await asyncio.wait_for(ws.recv(), 10))["kind"] == "ready"
            started = time.monotonic()
            async with httpx.AsyncClient(timeout=30) as client:
                r = await client.post(f"{a.url}/v1/messages", headers=owner[1],
                                      json={"group": group, "text": "across nodes"})
                assert r.status_code == 201, r.text
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), SLOW_POLL - 5))
                if frame["kind"] == "group_message":
                    return frame, time.monotonic() - started

    frame, took = asyncio.run(arrival())
    assert frame["payload"]["message"]["text"] == "across nodes"
    assert frame["payload"]["muted"] is False
    assert took < 5.0, f"took {took:.2f} s"
