"""Waking streams on other nodes: Redis pub/sub carrying account ids.

A node's service calls `publish(accounts)` after each commit that added events
(`Service.add_event_listener`); it sends `"<node> <id>,<id>…"` on one channel,
`<prefix>events`. Every node subscribes to that channel before it serves and,
for each message from another node, wakes its own streams of those accounts
(`LocalNotifier.wake`, which ignores accounts nobody here is watching).

Only the wake-up crosses Redis: a woken stream reads the shared events table
after its cursor, so a lost or late message costs latency, never an event.
Streams still poll (`--poll`) as the safety net, and after the subscription
drops and comes back every local stream is woken once to catch up.

One channel means every node hears every commit (a few bytes each). That is
fine for a handful of nodes; docs/scaling.md says what replaces it at scale
(channels per account shard, streams routed to nodes by shard).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from contextlib import suppress

import redis
import redis.asyncio as aioredis

from sendable.api.stream import LocalNotifier
from sendable.counters.redis import split_prefix

log = logging.getLogger(__name__)


class RedisFanout:
    def __init__(self, uri: str, notifier: LocalNotifier, retry_seconds: float = 1.0) -> None:
        url, prefix = split_prefix(uri)
        self.url = url
        self.channel = f"{prefix}events"
        self.node = secrets.token_hex(6)  # to skip our own messages: those woke us already
        self.notifier = notifier
        self.retry_seconds = retry_seconds
        self._publisher = redis.Redis.from_url(url, socket_timeout=2.0,
                                               socket_connect_timeout=2.0)
        self._task: asyncio.Task[None] | None = None

    # -- publishing (the service's writer thread, after commit) -----------------------

    def publish(self, accounts: set[int]) -> None:
        ids = ",".join(str(a) for a in sorted(accounts))
        self._publisher.publish(self.channel, f"{self.node} {ids}")

    # -- subscribing (the node's event loop) --------------------------------------------

    async def start(self) -> None:
        """Subscribe before the node serves, so no commit after start goes unheard."""
        client = aioredis.Redis.from_url(self.url)
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(self.channel)
        self._task = asyncio.create_task(self._run(client, pubsub))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
        self._publisher.close()

    async def _run(self, client: aioredis.Redis, pubsub: aioredis.client.PubSub) -> None:
        try:
            while True:
                try:
                    async for message in pubsub.listen():
                        if message["type"] == "message":
                            self._deliver(message["data"])
                except (redis.RedisError, OSError) as error:
                    log.warning("fan-out subscription lost (%s); streams poll meanwhile", error)
                await asyncio.sleep(self.retry_seconds)
                with suppress(redis.RedisError, OSError):
                    await pubsub.aclose()
                    await client.aclose()
                client = aioredis.Redis.from_url(self.url)
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                with suppress(redis.RedisError, OSError):
                    await pubsub.subscribe(self.channel)
                    self.notifier.wake_all()  # whatever was published meanwhile
        finally:
            with suppress(Exception):
                await pubsub.aclose()
                await client.aclose()

    def _deliver(self, data: bytes) -> None:
        node, _, ids = data.decode().partition(" ")
        if node == self.node:
            return
        try:
            accounts = {int(a) for a in ids.split(",") if a}
        except ValueError:
            log.warning("fan-out: ignored a malformed message %r", data[:100])
            return
        self.notifier.wake(accounts)
