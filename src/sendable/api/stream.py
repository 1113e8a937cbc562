"""The live stream: WebSocket /v1/stream?after=<cursor>.

Each account's events live in the `events` table (messages, message requests,
standing changes); an event's id is the cursor. A stream sends the rows after
its cursor in id order, then waits to be woken and reads again, so a client
that reconnects with the last id it saw misses nothing and sees nothing twice.

Waking: the service calls its event listeners after every commit that added
events. `LocalNotifier` wakes the streams on this node at once. Another node's
writes reach this node's streams through the fallback poll (`poll_seconds`), or
sooner through a shared notifier: anything that calls `LocalNotifier.wake(ids)`
when another node publishes plugs in without changing the stream, because the
table, not the notification, is what a stream sends: `sendable serve --redis`
adds `api.fanout.RedisFanout` (Redis pub/sub) for that.

Frames (JSON text): first `{"kind": "ready", "cursor": N}`, then one
`{"id", "kind", "at", "payload"}` per event (`kind`: message | request | standing).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import orjson
from fastapi import APIRouter, WebSocket
from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocketDisconnect

from sendable.accounts import Principal
from sendable.api.auth import auth_of, bearer_token, service_of
from sendable.errors import ServiceError

BATCH = 200


class LocalNotifier:
    """Wakes this node's streams for the accounts that got new events."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiting: dict[int, set[asyncio.Event]] = {}
        self._lock = threading.Lock()

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def wake(self, accounts: set[int]) -> None:
        """Thread-safe; called after a commit (or by a cross-node notifier)."""
        loop = self._loop
        with self._lock:
            if loop is None or not any(a in self._waiting for a in accounts):
                return
        loop.call_soon_threadsafe(self._set, accounts)

    def wake_all(self) -> None:
        """Wake every stream here (after a gap in what another node told us)."""
        with self._lock:
            accounts = set(self._waiting)
        if accounts:
            self.wake(accounts)

    def _set(self, accounts: set[int]) -> None:
        with self._lock:
            events = [e for a in accounts for e in self._waiting.get(a, ())]
        for event in events:
            event.set()

    @contextmanager
    def subscribe(self, account: int) -> Iterator[asyncio.Event]:
        event = asyncio.Event()
        with self._lock:
            self._waiting.setdefault(account, set()).add(event)
        try:
            yield event
        finally:
            with self._lock:
                waiting = self._waiting.get(account)
                if waiting is not None:
                    waiting.discard(event)
                    if not waiting:
                        del self._waiting[account]


router = APIRouter()


async def _drain(ws: WebSocket) -> None:
    """Read (and ignore) what the client sends, so a closed socket is noticed at once."""
    with suppress(WebSocketDisconnect):
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                return


@router.websocket("/v1/stream")
async def stream(ws: WebSocket, after: int | None = None, token: str | None = None) -> None:
    auth, service = auth_of(ws), service_of(ws)
    try:
        me: Principal = await run_in_threadpool(auth.authenticate, bearer_token(ws) or token)
    except ServiceError:
        await ws.close(code=1008, reason="sign in first")  # before accept: HTTP 403
        return
    if after is not None and after < 0:
        await ws.close(code=1008, reason="after must be an event id (0 or more)")
        return
    await ws.accept()
    app = ws.app
    cursor = after if after is not None else await run_in_threadpool(
        service.latest_event_id, me.id)
    metrics, notifier, poll = app.state.metrics, app.state.notifier, app.state.poll_seconds
    metrics.streams.inc()
    receiver = asyncio.create_task(_drain(ws))
    try:
        with notifier.subscribe(me.id) as woken:
            await ws.send_text(orjson.dumps({"kind": "ready", "cursor": cursor}).decode())
            while not receiver.done():
                woken.clear()  # before reading: a wake during the read is kept
                rows = await run_in_threadpool(service.events, me.id, cursor, BATCH)
                for row in rows:
                    await ws.send_text(orjson.dumps(row).decode())
                    cursor = row["id"]
                metrics.events.inc(len(rows))
                if len(rows) == BATCH:
                    continue
                if me.expires_at <= service.now():
                    await ws.close(code=1008, reason="session expired")
                    break
                waiter = asyncio.create_task(woken.wait())
                await asyncio.wait({waiter, receiver}, timeout=poll,
                                   return_when=asyncio.FIRST_COMPLETED)
                waiter.cancel()
    except (WebSocketDisconnect, RuntimeError):
        pass  # the client went away mid-send; it resumes from its last id
    finally:
        receiver.cancel()
        metrics.streams.dec()
