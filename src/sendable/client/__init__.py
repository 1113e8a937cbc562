"""The Python client SDK: `AsyncClient` (httpx + websockets) and `Client` (sync),
an outbox that never loses or duplicates a message, a checked local cache, and the
`doctor` that walks the troubleshooting steps.

    async with AsyncClient.from_config() as client:      # the `sendable login` session
        result = await client.send("bob", "hi")
        if result.status == "refused":
            for reason in result.reasons: print(reason["code"], reason["remedy"])
"""

from sendable.client.core import CLIENT_HEADER, ApiError, AsyncClient, Client, SendResult
from sendable.client.faults import Fault, FaultError, classify
from sendable.client.retry import Retry

__all__ = ["CLIENT_HEADER", "ApiError", "AsyncClient", "Client", "Fault", "FaultError",
           "Retry", "SendResult", "classify"]
