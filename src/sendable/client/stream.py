"""The live stream (WS /v1/stream?after=<cursor>), resumed from the last event id
after any drop, so a reader misses nothing and sees nothing twice."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any, Protocol

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from sendable.client.config import CLIENT_HEADER
from sendable.client.errors import ApiError
from sendable.client.faults import Fault, FaultError
from sendable.client.retry import Retry


class StreamSource(Protocol):
    """What the stream needs of a client: where the server is, how to sign a request,
    how to tell a fault, and how to retry."""

    server: str
    retry: Retry

    def _headers(self) -> dict[str, str]: ...

    def fault_of(self, error: BaseException) -> Fault: ...


POLICY_VIOLATION = 1008  # the server closes with this when the session is not valid


async def events(client: StreamSource, after: int | None, *, reconnect: bool = True,
                 open_timeout: float = 10.0) -> AsyncIterator[dict[str, Any]]:
    ws_base = client.server.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
    headers = {"Sendable-Client": CLIENT_HEADER, **client._headers()}
    cursor, failures = after, 0
    while True:
        url = f"{ws_base}/v1/stream" + (f"?after={cursor}" if cursor is not None else "")
        fault: Fault | None = None
        try:
            async with connect(url, additional_headers=headers, open_timeout=open_timeout,
                               user_agent_header=CLIENT_HEADER, close_timeout=2) as ws:
                async for raw in ws:
                    frame = json.loads(raw)
                    failures = 0
                    if frame.get("kind") == "ready":
                        cursor = frame["cursor"] if cursor is None else cursor
                        continue
                    cursor = frame["id"]
                    yield frame
                code = ws.close_code
            if code == POLICY_VIOLATION:
                raise ApiError(401, {"error": {"code": "unauthorized",
                                               "message": ws.close_reason or "sign in again"}})
        except InvalidStatus as error:
            raise ApiError(error.response.status_code, None) from None
        except ConnectionClosed:
            pass
        except (OSError, InvalidHandshake, TimeoutError) as error:
            fault = client.fault_of(error)
        if not reconnect:
            return
        failures += 1
        if failures >= client.retry.attempts:
            raise FaultError(fault or Fault("network.connect", {"error": "stream kept closing"}))
        await asyncio.sleep(client.retry.delay(failures))
