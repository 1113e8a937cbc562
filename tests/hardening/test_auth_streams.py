# ruff: noqa: F811  (pytest fixtures imported from leakkit are used as parameters)
"""Streams and sessions (issue 14), against real servers: signing out closes the
session's open streams (here, and on every node of a PostgreSQL+Redis deployment);
pages carry no session token, only single-use stream tickets."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import websockets
from leakkit import PASSWORD, browser, http, make_user, server, start, user  # noqa: F401

from sendable.store.temporary import is_server_db, temporary_counters, temporary_db


async def _until_closed(ws, seconds: float) -> int | None:  # type: ignore[no-untyped-def]
    try:
        async with asyncio.timeout(seconds):
            async for _ in ws:
                pass
    except TimeoutError:
        return None
    except websockets.ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
    return ws.close_code


def _second_session(http: httpx.Client, handle: str) -> str:
    r = http.post("/v1/sessions", json={"handle": handle, "password": PASSWORD})
    assert r.status_code == 201
    return r.json()["token"]


def test_signing_out_closes_the_sessions_open_streams(http, server, user):
    a = user("so")
    other = _second_session(http, a.handle)

    async def go() -> None:
        url = f"{server.ws_url}/v1/stream"
        async with websockets.connect(url, additional_headers=a.auth) as mine, \
                websockets.connect(url, additional_headers={
                    "Authorization": f"Bearer {other}"}) as theirs:
            assert json.loads(await mine.recv())["kind"] == "ready"
            assert json.loads(await theirs.recv())["kind"] == "ready"
            r = await asyncio.to_thread(http.delete, "/v1/sessions", headers=a.auth)
            assert r.status_code == 204
            assert await _until_closed(mine, 5) == 1008
            assert await _until_closed(theirs, 1.5) is None  # another session stays open

    asyncio.run(go())


def test_pages_carry_no_session_token_and_tickets_are_single_use(http, server, user):
    a = user("tk")
    with browser(server.url, a.handle) as web:
        token = web.cookies.get("sendable_session")
        html = web.get("/inbox").text
        assert token and token not in html
        csrf = html.split('name="sendable-csrf" content="', 1)[1].split('"', 1)[0]
        assert web.post("/live/ticket").status_code == 403  # no CSRF header: refused
        ticket = web.post("/live/ticket", headers={"X-Sendable-CSRF": csrf}).json()["ticket"]

        async def go() -> None:
            url = f"{server.ws_url}/v1/stream?ticket={ticket}"
            async with websockets.connect(url) as ws:
                assert json.loads(await ws.recv())["kind"] == "ready"
                with pytest.raises(websockets.InvalidStatus):  # used up
                    async with websockets.connect(url):
                        pass
                web.post("/logout", data={"csrf": csrf})
                assert await _until_closed(ws, 5) == 1008
            assert web.post("/live/ticket", headers={"X-Sendable-CSRF": csrf}).status_code \
                == 401

        asyncio.run(go())
    # the API mints tickets for bearer sessions too
    r = http.post("/v1/stream/tickets", headers=a.auth)
    assert r.status_code == 201 and r.json()["expires_in"] <= 60


def test_sign_out_closes_streams_on_every_node(backends, tmp_path):
    db, redis_uri = backends
    if not (is_server_db(db) and redis_uri):
        pytest.skip("needs PostgreSQL and Redis: set SENDABLE_TEST_DB and SENDABLE_TEST_REDIS")
    with temporary_db(db) as db_url, temporary_counters(redis_uri) as counters:
        nodes = []
        try:
            for name in ("one", "two"):
                work = tmp_path / name
                work.mkdir()
                nodes.append(start(work, "", None, "--redis", counters, "--poll", "30",
                                   db_url=db_url))
            one, two = nodes
            with httpx.Client(base_url=one.url, timeout=15) as h1:
                a = make_user(h1, "mn")

                async def go() -> None:
                    async with websockets.connect(f"{two.ws_url}/v1/stream",
                                                  additional_headers=a.auth) as ws:
                        assert json.loads(await ws.recv())["kind"] == "ready"
                        r = await asyncio.to_thread(h1.delete, "/v1/sessions", headers=a.auth)
                        assert r.status_code == 204
                        # woken through Redis, long before the 30 s poll
                        assert await _until_closed(ws, 8) == 1008

                asyncio.run(go())
        finally:
            for node in nodes:
                node.stop()
