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

Reading: woken streams read through one `EventReader`, which runs every pending
read in one hand-off to its thread (reads do not wait for the writer: SQLite WAL
and PostgreSQL readers see the last commit).

Frames (JSON text): first `{"kind": "ready", "cursor": N}`, then one
`{"id", "kind", "at", "payload"}` per event (`kind`: message | request | standing | read).

Auth: `Authorization: Bearer <token>` (the SDK), or `?ticket=` a single-use stream
ticket from POST /v1/stream/tickets (pages: they never carry the session token).
Signing out adds a `signed_out` event naming the session; it is never sent, and
every stream of that session closes on reading it (code 1008), on every node,
since the event table and the wake-up are what every node's streams already use.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from typing import Any

import orjson
from fastapi import APIRouter, WebSocket
from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocketDisconnect

from sendable.api.auth import auth_of, bearer_token, service_of
from sendable.api.errors import error_response
from sendable.api.validation import parse_cursor
from sendable.errors import ServiceError
from sendable.service import Service
from sendable.shell.auth import SIGNED_OUT, Principal, token_hash

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


class EventReader:
    """Reads the events of woken streams, one thread hop per round however many
    streams are waiting: a commit that wakes N streams costs one hand-off to the
    reader thread and one back, not N of each. Requests that come in while a round
    runs go in the next one, so under load the rounds grow instead of queueing."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self._pending: list[tuple[int, int, asyncio.Future]] = []
        self._running = False
        self._task: asyncio.Task[None] | None = None
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="sendable-stream-reader")

    async def read(self, account: int, after: int) -> list[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._pending.append((account, after, future))
        if not self._running:
            self._running = True
            self._task = loop.create_task(self._rounds())  # held: the loop keeps weak refs
        return await future

    async def _rounds(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                cursors = [(account, after) for account, after, _ in batch]
                try:
                    results = await loop.run_in_executor(
                        self._executor, self.service.events_many, cursors, BATCH)
                except BaseException as error:  # answer everyone; the next round goes on
                    for *_, future in batch:
                        if not future.done():
                            future.set_exception(error)
                    if not isinstance(error, Exception):
                        raise
                    continue
                for (*_, future), rows in zip(batch, results, strict=True):
                    if not future.done():
                        future.set_result(rows)
        finally:
            self._running = False

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


router = APIRouter()


async def _drain(ws: WebSocket) -> None:
    """Read (and ignore) what the client sends, so a closed socket is noticed at once."""
    with suppress(WebSocketDisconnect):
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                return


async def _who(ws: WebSocket, token: str | None, ticket: str | None) -> tuple[Principal, str]:
    """The stream's account and session digest: from a single-use stream ticket (pages),
    else the bearer token (the SDK)."""
    auth = auth_of(ws)
    if ticket:
        return await run_in_threadpool(auth.redeem_ticket, ticket)
    secret = bearer_token(ws) or token
    me = await run_in_threadpool(auth.authenticate, secret)
    return me, token_hash(secret or "")


def _ends_me(row: dict[str, Any], session: str) -> bool:
    payload = row.get("payload")
    return isinstance(payload, dict) and session in (payload.get("sessions") or ())


@router.websocket("/v1/stream")
async def stream(ws: WebSocket, after: str | None = None, token: str | None = None,
                 ticket: str | None = None) -> None:
    service = service_of(ws)
    try:
        me, session = await _who(ws, token, ticket)
    except ServiceError:
        await ws.close(code=1008, reason="sign in first")  # before accept: HTTP 403
        return
    start, problem = parse_cursor(after)
    if problem is not None:  # an HTTP 422 naming `after`, as any endpoint answers
        await ws.send_denial_response(error_response(ws, 422, problem, "after"))  # type: ignore[arg-type]
        return
    await ws.accept()
    app = ws.app
    cursor = start if start is not None else await run_in_threadpool(
        service.latest_event_id, me.id)
    metrics, notifier, poll = app.state.metrics, app.state.notifier, app.state.poll_seconds
    reader: EventReader = app.state.event_reader
    metrics.streams.inc()
    receiver = asyncio.create_task(_drain(ws))
    try:
        with notifier.subscribe(me.id) as woken:
            receiver.add_done_callback(lambda _: woken.set())  # a closed socket ends the wait
            await ws.send_text(orjson.dumps({"kind": "ready", "cursor": cursor}).decode())
            while not receiver.done():
                woken.clear()  # before reading: a wake during the read is kept
                rows = await reader.read(me.id, cursor)
                ended = False
                for row in rows:
                    cursor = row["id"]
                    if row["kind"] == SIGNED_OUT:  # never shown; ends that session's streams
                        if _ends_me(row, session):
                            ended = True
                            break
                        continue
                    await ws.send_text(orjson.dumps(row).decode())
                    metrics.events.inc()
                if ended:
                    await ws.close(code=1008, reason="signed out")
                    break
                if len(rows) == BATCH:
                    continue
                if me.expires_at <= service.now():
                    await ws.close(code=1008, reason="session expired")
                    break
                with suppress(TimeoutError):
                    async with asyncio.timeout(poll):
                        await woken.wait()
    except (WebSocketDisconnect, RuntimeError):
        pass  # the client went away mid-send; it resumes from its last id
    finally:
        receiver.cancel()
        metrics.streams.dec()
