"""Send order per conversation: a message never overtakes an older one still waiting.

A message written while older ones to the same person wait in the outbox (the
network was down, the server answered 5xx) goes after them: those are tried
first, oldest first, and if one of them stays queued, so does the new one,
untried. Sends to one person from one client also take turns (a lock per
recipient), so two at once cannot cross on the wire either.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from sendable.client.outbox import Outbox, Pending

_LOCKS: weakref.WeakKeyDictionary[object, dict[str, asyncio.Lock]] = \
    weakref.WeakKeyDictionary()


def _lock(client: object, recipient: str) -> asyncio.Lock:
    locks = _LOCKS.setdefault(client, {})
    return locks.setdefault(recipient.lower(), asyncio.Lock())


async def send_in_order(owner: object, outbox: Outbox, item: Pending,
                        deliver: Callable[[Pending], Awaitable[Any]]) -> Any:
    """Deliver `item` after every older waiting message to the same recipient (one
    lock per `owner` and recipient). Returns `item`'s result, or the result of the
    older message that stayed queued (so `item` waits, untried, behind it)."""
    async with _lock(owner, item.recipient):
        for older in outbox.pending(item.server, item.handle):
            if older.client_msg_id == item.client_msg_id:
                break
            if older.recipient.lower() != item.recipient.lower():
                continue
            earlier = await deliver(older)
            if earlier.status == "queued":  # still waiting: the new one waits behind it
                return earlier
        return await deliver(item)
