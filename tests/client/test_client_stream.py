"""The SDK's stream resumes from its last event after the connection is cut: nothing
missed, nothing twice."""

from __future__ import annotations

import asyncio

from sendable.client import AsyncClient, Retry


def test_stream_resumes_after_cuts(server, proxy, user, api, home):
    a, b = user("a"), user("b")
    for x, y in ((a, b), (b, a)):
        api("PUT", server.url, f"/v1/follows/{y.handle}", x)
    p = proxy()
    total = 9

    async def go():
        async with AsyncClient(p.url, token=b.token, handle=b.handle, home=home,
                               retry=Retry(attempts=10, base=0.05, cap=0.2)) as c:
            seen = []
            stream = c.stream(after=0)
            for i in range(total):
                await asyncio.to_thread(api, "POST", server.url, "/v1/messages", a,
                                        json={"to": b.handle, "text": f"live {i}"})
                if i % 3 == 2:
                    p.cut()  # reset the stream's connection (and anything else open)
                event = await asyncio.wait_for(stream.__anext__(), 10)
                seen.append(event)
            await stream.aclose()
            return seen

    seen = asyncio.run(asyncio.wait_for(go(), 60))
    texts = [e["payload"]["message"]["text"] for e in seen]
    assert texts == [f"live {i}" for i in range(total)]
    ids = [e["id"] for e in seen]
    assert ids == sorted(set(ids))
    assert len(p.used) > 1  # it did reconnect
