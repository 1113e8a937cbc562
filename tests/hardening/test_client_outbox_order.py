"""The SDK outbox keeps send order per conversation (issue 14): a message written
while older ones to the same person wait goes after them, against a real server
that goes away and comes back."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from leakkit import make_user, start

from sendable.client import AsyncClient
from sendable.client.retry import Retry

ONCE = Retry(attempts=1, base=0.05, cap=0.05, budget=1)


def _texts(url: str, reader, other: str) -> list[str]:  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=url, timeout=10) as h:
        for folder in ("inbox", "requests"):
            for c in h.get("/v1/conversations", params={"folder": folder},
                           headers=reader.auth).json()["conversations"]:
                if c["with"] == other:
                    rows = h.get(f"/v1/conversations/{c['id']}/messages",
                                 headers=reader.auth).json()["messages"]
                    return [m["text"] for m in sorted(rows, key=lambda m: m["seq"])]
    return []


def test_a_new_message_never_overtakes_older_ones_still_waiting(tmp_path: Path):
    srv = start(tmp_path)
    try:
        with httpx.Client(base_url=srv.url, timeout=10) as h:
            a, b, c = make_user(h, "oa"), make_user(h, "ob"), make_user(h, "oc")

        async def offline() -> None:
            async with AsyncClient(srv.url, token=a.token, handle=a.handle,
                                   home=tmp_path / "home", retry=ONCE) as client:
                assert (await client.send(b.handle, "one")).status == "queued"
                assert (await client.send(b.handle, "two")).status == "queued"

        async def online() -> None:
            async with AsyncClient(srv.url, token=a.token, handle=a.handle,
                                   home=tmp_path / "home", retry=ONCE) as client:
                to_c = await client.send(c.handle, "to someone else")  # another chat: goes
                assert to_c.status == "stored"
                result = await client.send(b.handle, "three")
                assert result.status == "stored"
                assert client.pending() == []

        srv.stop()
        asyncio.run(offline())
        srv.restart()
        asyncio.run(online())
        assert _texts(srv.url, b, a.handle) == ["one", "two", "three"]
    finally:
        srv.stop()
