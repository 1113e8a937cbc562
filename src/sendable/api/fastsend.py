"""POST /v1/messages without the framework, for the sends that need nothing from it.

The send is the one hot endpoint. FastAPI's per-request machinery (its
middleware layers, routing, dependency resolution, body model, exception
handling) costs about as much CPU as the rest of the HTTP work together, so this
ASGI layer, outside all of them, answers the common case itself: a JSON body of
a declared length that `NewMessage` accepts, with a token `Auth` accepts. It
does for that answer what the layers it skips do for every other one: the
request id (api/observe.py), the security headers (api/headers.py), the metrics
and the log line. Anything else (no or bad token, bad JSON, a body the model
refuses, no or too large a Content-Length, another content type) goes on, with
the body it read, through the whole app to the FastAPI route in
routes/messages.py, which gives every error its usual shape. So the route stays
the one definition of the endpoint (and of its OpenAPI entry); this path only
skips work, never changes an answer.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import orjson
from pydantic import ValidationError
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sendable.api.errors import service_error_response, unexpected_response
from sendable.api.headers import secured
from sendable.api.models import NewMessage
from sendable.api.observe import assign_request_id, current_request, record
from sendable.api.routes.messages import send_reply
from sendable.errors import ServiceError
from sendable.service import SendAttempt
from sendable.shell.auth import Auth, Principal

PATH = "/v1/messages"


class _Route:  # what the request observer labels the metrics with
    path = PATH


_ROUTE = _Route()


class FastSend:
    """The outermost ASGI layer over `app` (the FastAPI app, whose state it reads)."""

    def __init__(self, app: Any, max_body: int) -> None:
        self.app: ASGIApp = app
        self.state = app.state
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:  # lower-case names; the first of a repeated one
            headers.setdefault(name, value)
        length = headers.get(b"content-length", b"")
        me = None
        if (length.isdigit() and int(length) <= self.max_body
                and headers.get(b"content-type", b"").split(b";")[0].strip()
                == b"application/json"):
            scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
            token = token.strip()
            if scheme.lower() == "bearer" and token:
                me = self.state.auth.cached(token) or await _authenticate(self.state.auth, token)
        if me is None:  # the whole app answers, as for any other request
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        if body is None:  # the client went away
            return
        try:
            new = NewMessage.model_validate(orjson.loads(body))
        except (orjson.JSONDecodeError, ValidationError):
            await self.app(scope, _replay(body, receive), send)
            return
        client = headers.get(b"sendable-client")
        attempt = SendAttempt(me.handle, new.to, new.text,
                              client.decode("latin-1") if client is not None else None,
                              new.client_msg_id, group=new.group)
        await self._answer(scope, receive, send, attempt, headers.get(b"x-request-id"))

    async def _answer(self, scope: Scope, receive: Receive, send: Send, attempt: SendAttempt,
                      incoming_id: bytes | None) -> None:
        """Send the attempt and answer it, with what the skipped layers add."""
        rid = assign_request_id(scope, incoming_id)
        token = current_request.set(rid)
        started = time.perf_counter()
        status = 500
        scope["app"] = self.app  # what routes read the state from
        scope["route"] = _ROUTE

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = secured(
                    [*message.get("headers", ()), (b"x-request-id", rid.encode())], True)
            await send(message)

        request = Request(scope)
        try:
            try:
                result = await self.state.writer.send(attempt)
            except ServiceError as error:
                response = service_error_response(request, error)
            except Exception as error:  # e.g. the store is down: the usual 500, logged
                response = unexpected_response(request, error)
            else:
                response = send_reply(request, result)
            await response(scope, receive, send_with_headers)
        finally:
            record(self.state.metrics, scope, status, started, rid)
            current_request.reset(token)


async def _authenticate(auth: Auth, token: str) -> Principal | None:
    """A token not seen lately: checked off the loop; None if it fails (the route then
    answers with the usual 401)."""
    try:
        return await asyncio.get_running_loop().run_in_executor(None, auth.authenticate, token)
    except ServiceError:
        return None


async def _read_body(receive: Receive) -> bytes | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """Hand the route the body this path already read."""
    sent = False

    async def again() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return again
