"""The live stream over a real WebSocket: auth, delivery, resume with nothing lost or
duplicated, standing changes."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import websockets
from apikit import mutual, send
from websockets.exceptions import InvalidStatus


async def recv(ws, timeout: float = 5.0) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def recv_until(ws, count: int) -> list[dict]:
    return [await recv(ws) for _ in range(count)]


def run(coro):
    return asyncio.run(coro)


def test_stream_needs_a_token(server):
    async def go():
        with pytest.raises(InvalidStatus) as info:
            async with websockets.connect(f"{server.ws_url}/v1/stream"):
                pass
        assert info.value.response.status_code == 403
        with pytest.raises(InvalidStatus):
            async with websockets.connect(f"{server.ws_url}/v1/stream?token=wrong"):
                pass

    run(go())


def test_events_arrive_live_and_resume_after_a_drop(server, http, user):
    a, b = user("wa"), user("wb")
    mutual(http, a, b)

    async def go():
        url = f"{server.ws_url}/v1/stream"
        async with websockets.connect(url, additional_headers=b.auth) as ws:
            ready = await recv(ws)
            assert ready["kind"] == "ready"
            for i in range(3):
                assert send(http, a, b, f"live {i}").status_code == 201
            live = await recv_until(ws, 3)
        assert [e["payload"]["message"]["text"] for e in live] == ["live 0", "live 1", "live 2"]
        assert all(e["kind"] == "message" and e["payload"]["from"] == a.handle for e in live)
        cursor = live[-1]["id"]
        # Dropped: these are sent while nobody listens.
        for i in range(4):
            send(http, a, b, f"missed {i}")
        async with websockets.connect(f"{url}?after={cursor}&token={b.token}") as ws:
            ready = await recv(ws)
            assert ready["cursor"] == cursor
            caught_up = await recv_until(ws, 4)
            send(http, a, b, "after reconnect")
            newest = await recv(ws)
            with pytest.raises(TimeoutError):
                await recv(ws, timeout=0.7)  # nothing twice
        texts = [e["payload"]["message"]["text"] for e in caught_up + [newest]]
        assert texts == [f"missed {i}" for i in range(4)] + ["after reconnect"]
        ids = [e["id"] for e in live + caught_up + [newest]]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)
        # From the start (after=0) replays everything, in order.
        async with websockets.connect(f"{url}?after=0", additional_headers=b.auth) as ws:
            await recv(ws)
            replay = await recv_until(ws, 8)
        assert [e["id"] for e in replay] == ids

    run(go())


def test_requests_and_standing_changes_are_streamed(server, http, user, mod):
    a, b = user("sa"), user("sb")

    async def go():
        async with websockets.connect(f"{server.ws_url}/v1/stream",
                                      additional_headers=b.auth) as ws:
            await recv(ws)
            send(http, a, b, "may I?")
            request = await recv(ws)
            assert request["kind"] == "request" and request["payload"]["from"] == a.handle
            http.post("/v1/mod/actions", json={"action": "ban", "handle": b.handle, "for": "1h"},
                      headers=mod.auth)
            standing = await recv(ws)
            assert standing["kind"] == "standing"
            assert standing["payload"]["change"] == "ban" and standing["payload"]["until"]
            assert "reason" not in standing["payload"]

    run(go())


def test_a_logged_out_token_cannot_stream(server, http, user):
    u = user("wo")
    http.delete("/v1/sessions", headers=u.auth)

    async def go():
        with pytest.raises(InvalidStatus):
            async with websockets.connect(f"{server.ws_url}/v1/stream",
                                          additional_headers=u.auth):
                pass

    run(go())


def test_many_streams_woken_together_each_get_their_own_exactly_once(server, http, user):
    """Streams read in shared rounds (api/stream.py EventReader): concurrent sends to
    several recipients reach each recipient's stream once, in order, none crossed."""
    senders = [user("ms") for _ in range(4)]
    recipients = [user("mr") for _ in range(4)]
    for a, b in zip(senders, recipients, strict=True):
        mutual(http, a, b)
    rounds = 4  # under the test policy's per-sender rate limit

    async def go():
        sockets = [await websockets.connect(f"{server.ws_url}/v1/stream",
                                            additional_headers=b.auth) for b in recipients]
        try:
            for ws in sockets:
                assert (await recv(ws))["kind"] == "ready"
            async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
                async def one(a, b, i: int) -> None:
                    r = await client.post("/v1/messages", headers=a.auth,
                                          json={"to": b.handle, "text": f"{b.handle} {i}"})
                    assert r.status_code == 201, r.text

                for i in range(rounds):  # each round: every pair at once
                    await asyncio.gather(*(one(a, b, i) for a, b in
                                           zip(senders, recipients, strict=True)))
            got = [await recv_until(ws, rounds) for ws in sockets]
            for ws in sockets:
                with pytest.raises(TimeoutError):
                    await recv(ws, timeout=0.3)
        finally:
            for ws in sockets:
                await ws.close()
        for b, events in zip(recipients, got, strict=True):
            assert [e["payload"]["message"]["text"] for e in events] == [
                f"{b.handle} {i}" for i in range(rounds)]

    run(go())
