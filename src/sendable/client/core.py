"""The async client for the HTTP API (docs/http.md) and its thin sync wrapper.

Answers are data: a refused send comes back as a `SendResult` with every reason
(sender view), a `why` as its JSON. Exceptions are for what is not an answer: a
transport fault on a read (`FaultError`, carrying a client-side cause code) and a
request the server rejected as malformed or unauthorised (`ApiError`).

Sending goes through the outbox: the message is saved first, then tried with
backoff; it leaves the outbox only when the server acknowledged it (201, or a
refusal, or a request that can never succeed such as an unknown recipient).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

import httpx

from sendable.client.cache import Cache, CacheFile
from sendable.client.checks import unsendable
from sendable.client.config import CLIENT_HEADER, Config, home_dir, normalise_server
from sendable.client.errors import ApiError
from sendable.client.faults import Fault, FaultError, classify, server_fault
from sendable.client.groups import BlockingGroups, Groups
from sendable.client.net import proxy_for
from sendable.client.ordering import send_in_order
from sendable.client.outbox import Outbox, Pending, new_client_msg_id
from sendable.client.retry import NO_RETRY, Retry, parse_retry_after

T = TypeVar("T")

Status = Literal["stored", "refused", "queued", "rejected"]


@dataclass
class SendResult:
    """What became of one message.

    status: `stored` (outcome delivered, requested or held), `refused` (final; every
    reason in `reasons`), `queued` (not acknowledged yet: kept in the outbox and
    retried later; `reasons` holds the client-side cause), `rejected` (the server can
    never accept it as written: `error` names the field; it leaves the outbox).
    """

    status: Status
    client_msg_id: str
    to: str
    text: str
    outcome: str | None = None
    message: dict[str, Any] | None = None
    notices: list[dict[str, Any]] = field(default_factory=list)
    reasons: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None
    replayed: bool = False
    attempts: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _json(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


class AsyncClient:
    """`AsyncClient(server, token=..., handle=...)`, or `AsyncClient.from_config()` for
    the session `sendable login` saved. Use as `async with`."""

    def __init__(self, server: str, *, token: str | None = None, handle: str | None = None,
                 home: Path | None = None, retry: Retry | None = None, timeout: float = 10.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.server = normalise_server(server)
        self.token = token
        self.handle = handle
        self.home = home or home_dir()
        self.retry = retry or Retry()
        self.faults: list[Fault] = []  # client-side trouble noticed along the way (cache)
        self._via_proxy = proxy_for(self.server) is not None
        self._http = httpx.AsyncClient(
            base_url=self.server, transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            headers={"Sendable-Client": CLIENT_HEADER, "User-Agent": CLIENT_HEADER})
        self._outbox: Outbox | None = None
        self._cache = CacheFile(self.home / "cache.db", lambda problems: self.faults.append(
            Fault("app.cache_corrupt", {"problems": problems[:10]})))

    @classmethod
    def from_config(cls, server: str | None = None, handle: str | None = None,
                    home: Path | None = None, **kwargs: Any) -> AsyncClient:
        session = Config(home).session(server, handle)
        return cls(session.server, token=session.token, handle=session.handle or handle,
                   home=home, **kwargs)

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()
        if self._outbox is not None:
            self._outbox.close()
            self._outbox = None
        self._cache.close()

    # -- plumbing ------------------------------------------------------------------

    @property
    def owner(self) -> str:
        return f"{self.server}|{self.handle}"

    @property
    def groups(self) -> Groups:
        return Groups(self)

    @property
    def outbox(self) -> Outbox:
        if self._outbox is None:
            self._outbox = Outbox(self.home / "outbox.db")
        return self._outbox

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def fault_of(self, error: BaseException) -> Fault:
        return classify(error, via_proxy=self._via_proxy)

    async def request(self, method: str, path: str, *, retry: Retry = NO_RETRY,
                      **kwargs: Any) -> httpx.Response:
        """One call, retried on transport faults and 5xx when `retry` allows (only pass
        a retry for idempotent calls). Raises FaultError when no answer came."""
        started, attempt = time.monotonic(), 0
        while True:
            attempt += 1
            try:
                response = await self._http.request(method, path, headers=self._headers(),
                                                    **kwargs)
            except httpx.TransportError as error:
                fault = self.fault_of(error)
            else:
                if response.status_code < 500:
                    return response
                fault = server_fault(response.status_code,
                                     _seconds(response.headers.get("retry-after")))
            wait = retry.delay(attempt, fault.retry_after)
            if retry.gives_up(attempt, time.monotonic() - started, wait, fault.retry_after):
                raise FaultError(fault)
            await asyncio.sleep(wait)

    async def call(self, method: str, path: str, *, retry: Retry = NO_RETRY,
                   **kwargs: Any) -> dict[str, Any]:
        """A call whose success is 2xx JSON; 4xx raises ApiError."""
        response = await self.request(method, path, retry=retry, **kwargs)
        body = _json(response)
        if response.status_code >= 400:
            raise ApiError(response.status_code, body)
        if response.status_code == 204:
            return {}
        if body is None:
            raise FaultError(server_fault(response.status_code))
        return body

    async def get(self, path: str, **kwargs: Any) -> dict[str, Any]:
        return await self.call("GET", path, retry=self.retry, **kwargs)

    # -- accounts and sessions -------------------------------------------------------

    async def meta(self) -> dict[str, Any]:
        return await self.get("/v1/meta")

    async def health(self) -> dict[str, Any]:
        return await self.get("/healthz")

    async def register(self, handle: str, password: str, **fields: Any) -> dict[str, Any]:
        return await self.call("POST", "/v1/accounts",
                               json={"handle": handle, "password": password, **fields})

    async def login(self, handle: str, password: str) -> str:
        body = await self.call("POST", "/v1/sessions",
                               json={"handle": handle, "password": password})
        self.token, self.handle = body["token"], handle
        return self.token

    async def logout(self) -> None:
        await self.call("DELETE", "/v1/sessions")
        self.token = None

    async def me(self) -> dict[str, Any]:
        return await self.get("/v1/me")

    async def standing(self) -> dict[str, Any]:
        return await self.get("/v1/me/standing")

    async def update_settings(self, **settings: Any) -> dict[str, Any]:
        return await self.call("PATCH", "/v1/me/settings", json=settings)

    async def follow(self, handle: str) -> dict[str, Any]:
        return await self.call("PUT", f"/v1/follows/{handle}")

    async def unfollow(self, handle: str) -> dict[str, Any]:
        return await self.call("DELETE", f"/v1/follows/{handle}")

    async def block(self, handle: str) -> dict[str, Any]:
        return await self.call("PUT", f"/v1/blocks/{handle}")

    async def unblock(self, handle: str) -> dict[str, Any]:
        return await self.call("DELETE", f"/v1/blocks/{handle}")

    async def why(self, to: str, text: str = "") -> dict[str, Any]:
        """{sendable, outcome, reasons}: every reason that applies, nothing sent. A dry
        run changes nothing, so it is retried like a read."""
        return await self.call("POST", "/v1/why", json={"to": to, "text": text},
                               retry=self.retry)

    async def accept(self, conversation_id: int) -> dict[str, Any]:
        return await self.call("POST", f"/v1/conversations/{conversation_id}/accept")

    # -- finding people --------------------------------------------------------------

    async def search(self, q: str, limit: int = 20, cursor: str | None = None
                     ) -> dict[str, Any]:
        """{results: [{handle, display_name, can_message}], next_cursor}."""
        params: dict[str, Any] = {"q": q, "limit": limit}
        if cursor:
            params["cursor"] = cursor
        return await self.get("/v1/users", params=params)

    async def upload_contacts(self, emails: list[str], phones: list[str]) -> dict[str, Any]:
        """Replace your uploaded contacts: {stored, skipped: [{field, message}]}."""
        return await self.call("PUT", "/v1/me/contacts", json={"emails": emails,
                                                               "phones": phones})

    async def delete_contacts(self) -> dict[str, Any]:
        return await self.call("DELETE", "/v1/me/contacts")

    async def contact_matches(self) -> list[dict[str, Any]]:
        return (await self.get("/v1/me/contacts/matches"))["matches"]

    # -- sending ---------------------------------------------------------------------

    def _require_session(self) -> str:
        if not self.handle:
            raise ApiError(401, {"error": {"code": "unauthorized",
                                           "message": "sign in first (sendable login)"}})
        return self.handle

    async def send(self, to: str, text: str, client_msg_id: str | None = None,
                   retry: Retry | None = None) -> SendResult:
        """Save the message in the outbox, then try to deliver it, after any older one
        to the same person still waiting (client/ordering.py)."""
        handle = self._require_session()
        error = unsendable(text)  # never queued: the server would refuse it every time
        if error is not None:
            return SendResult("rejected", client_msg_id or new_client_msg_id(), to, text,
                              error=error.as_dict())
        item = self.outbox.add(self.server, handle, to, text, client_msg_id)
        result = await send_in_order(
            self, self.outbox, item, lambda pending: self._deliver(pending, retry or self.retry))
        if result.client_msg_id != item.client_msg_id:  # an older one is still waiting
            return SendResult("queued", item.client_msg_id, item.recipient, item.text,
                              reasons=result.reasons, error=result.error)
        return result

    def pending(self) -> list[Pending]:
        """This account's messages still waiting for the server, oldest first."""
        return self.outbox.pending(self.server, self.handle) if self.handle else []

    async def flush(self, retry: Retry | None = None) -> list[SendResult]:
        """Try every waiting message, oldest first. Stops at the first one that stays
        queued (the rest would meet the same network), so order is kept."""
        results = []
        for item in self.pending():
            result = await self._deliver(item, retry or self.retry)
            results.append(result)
            if result.status == "queued":
                break
        return results

    async def _deliver(self, item: Pending, retry: Retry) -> SendResult:
        return await deliver(self, item, retry)

    def _remember_sent(self, message: dict[str, Any], item: Pending) -> None:
        entry = {**message, "from": item.handle, "text": item.text}
        self._cache.use(lambda c: c.put_messages(self.owner, message["conversation_id"],
                                                  [entry]))

    # -- reading, through the cache --------------------------------------------------

    def cache(self) -> Cache:
        """The cache, opened on first use; a damaged file is noticed (reported as
        app.cache_corrupt in `faults`), thrown away and started afresh."""
        return self._cache.open()

    def check_cache(self) -> list[str]:
        """Every problem in the cache file (empty when sound); does not repair."""
        return self._cache.check()

    def reset_cache(self) -> None:
        """Throw the cache file away (it is only a copy of what the server holds)."""
        self._cache.reset()

    async def repair_cache(self) -> int:
        """Throw the cache away and rebuild it from the server: every conversation in
        both folders with its messages. The outbox is another file and is untouched.
        Returns the number of messages cached."""
        self.reset_cache()
        count = 0
        for folder in ("inbox", "requests"):
            for conversation in await self.conversations(folder):
                count += len(await self.all_messages(conversation["id"]))
        return count

    async def conversations(self, folder: str = "inbox") -> list[dict[str, Any]]:
        rows = (await self.get("/v1/conversations", params={"folder": folder}))["conversations"]
        self._cache.use(lambda c: c.put_conversations(self.owner, folder, rows))
        return rows

    def cached_conversations(self, folder: str = "inbox") -> list[dict[str, Any]]:
        """What the cache holds (offline reading); empty after a rebuild."""
        return self._cache.use(lambda c: c.conversations(self.owner, folder), []) or []

    async def messages(self, conversation_id: int, after_seq: int = 0,
                       limit: int = 50) -> list[dict[str, Any]]:
        rows = (await self.get(f"/v1/conversations/{conversation_id}/messages",
                               params={"after_seq": after_seq, "limit": limit}))["messages"]
        self._cache.use(lambda c: c.put_messages(self.owner, conversation_id, rows))
        return rows

    async def all_messages(self, conversation_id: int, page: int = 200) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        after = 0
        for _ in range(10_000):  # bounded: 2M messages
            rows = await self.messages(conversation_id, after, page)
            out.extend(rows)
            if len(rows) < page:
                break
            after = rows[-1]["seq"]
        return out

    def cached_messages(self, conversation_id: int) -> list[dict[str, Any]]:
        return self._cache.use(lambda c: c.messages(self.owner, conversation_id), []) or []

    # -- the live stream -------------------------------------------------------------

    async def stream(self, after: int | None = None, *, reconnect: bool = True,
                     open_timeout: float = 10.0) -> AsyncIterator[dict[str, Any]]:
        """Events `{id, kind, at, payload}` after cursor `after`, resuming from the last
        id seen when the connection drops (nothing missed, nothing twice). Gives up with
        FaultError after `retry.attempts` failed connections in a row."""
        from sendable.client.stream import events

        async for event in events(self, after, reconnect=reconnect,
                                  open_timeout=open_timeout):
            yield event


async def deliver(client: AsyncClient, item: Pending, retry: Retry) -> SendResult:
    """Try one outbox item until it is stored, refused, rejected, or still queued when
    `retry` gives up; the outbox keeps it until the server has answered."""
    base = {"client_msg_id": item.client_msg_id, "to": item.recipient, "text": item.text}
    payload = {"to": item.recipient, "text": item.text, "client_msg_id": item.client_msg_id}
    started, attempt = time.monotonic(), 0
    while True:
        attempt += 1
        try:
            response = await client._http.post("/v1/messages", json=payload,
                                              headers=client._headers())
        except httpx.TransportError as error:
            fault = client.fault_of(error)
        else:
            status, body = response.status_code, _json(response)
            if status == 201 and body and "message" in body:
                client.outbox.remove(item.client_msg_id)
                message = body["message"]
                client._remember_sent(message, item)
                return SendResult("stored", **base, outcome=message["outcome"],
                                  message=message, notices=body.get("notices", []),
                                  replayed=response.headers.get(
                                      "idempotent-replayed") == "true",
                                  attempts=attempt)
            if 400 <= status < 500 and body and body.get("reasons"):
                client.outbox.remove(item.client_msg_id)
                return SendResult("refused", **base, outcome="refused",
                                  reasons=body["reasons"], attempts=attempt)
            if status == 401:
                client.outbox.note_attempt(item.client_msg_id, "unauthorized")
                return SendResult("queued", **base, error=ApiError(status, body).as_dict(),
                                  attempts=attempt)
            if 400 <= status < 500 and status not in (408, 429):
                client.outbox.remove(item.client_msg_id)
                return SendResult("rejected", **base, error=ApiError(status, body).as_dict(),
                                  attempts=attempt)
            # 5xx, a throttle without reasons, or an answer that is not ours.
            fault = server_fault(status, _seconds(response.headers.get("retry-after")))
        client.outbox.note_attempt(item.client_msg_id, fault.code)
        wait = retry.delay(attempt, fault.retry_after)
        if retry.gives_up(attempt, time.monotonic() - started, wait, fault.retry_after):
            return SendResult("queued", **base, reasons=[fault.as_reason()],
                              attempts=attempt)
        await asyncio.sleep(wait)


def _seconds(value: str | None) -> int | None:
    seconds = parse_retry_after(value)
    return None if seconds is None else int(-(-seconds // 1))


class Client:
    """The same client for code without an event loop: each method runs the async one
    on a private loop. Use as `with Client(server, token=...) as c: c.send(...)`."""

    def __init__(self, server: str | None = None, **kwargs: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._async = AsyncClient(server, **kwargs) if server else AsyncClient.from_config(
            **kwargs)

    @classmethod
    def from_config(cls, server: str | None = None, handle: str | None = None,
                    home: Path | None = None, **kwargs: Any) -> Client:
        return cls._wrap(AsyncClient.from_config(server, handle, home, **kwargs))

    @classmethod
    def _wrap(cls, aclient: AsyncClient) -> Client:
        client = cls.__new__(cls)
        client._loop = asyncio.new_event_loop()
        client._async = aclient
        return client

    @property
    def aio(self) -> AsyncClient:
        return self._async

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if not self._loop.is_closed():
            self._loop.run_until_complete(self._async.aclose())
            self._loop.close()

    def _run(self, awaitable: Any) -> Any:
        return self._loop.run_until_complete(awaitable)

    @property
    def groups(self) -> BlockingGroups:
        return BlockingGroups(self._async.groups, self._run)

    def __getattr__(self, name: str) -> Any:
        """Async methods run to completion; plain attributes pass through."""
        if name.startswith("_"):
            raise AttributeError(name)
        target = getattr(self._async, name)
        if asyncio.iscoroutinefunction(target):
            return lambda *a, **k: self._run(target(*a, **k))
        return target

    def stream(self, after: int | None = None, **kwargs: Any) -> Iterator[dict[str, Any]]:
        agen = self._async.stream(after, **kwargs)
        try:
            while True:
                try:
                    yield self._run(agen.__anext__())
                except StopAsyncIteration:
                    return
        finally:
            self._run(agen.aclose())
