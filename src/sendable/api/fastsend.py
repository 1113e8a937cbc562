"""POST /v1/messages without the framework, for the sends that need nothing from it.

The send is the one hot endpoint. FastAPI's per-request machinery (routing,
dependency resolution, body model, exception middleware) costs about as much CPU
as the rest of the HTTP work together, so this ASGI middleware answers the common
case itself: a JSON body that `NewMessage` accepts, with a token `Auth` accepts.
Anything else (no or bad token, bad JSON, a body the model refuses, another
content type) goes on, with the body it read, to the FastAPI route in routes/messages.py, which gives every error its usual shape. So
the route stays the one definition of the endpoint (and of its OpenAPI entry);
this path only skips work, never changes an answer.
"""

from __future__ import annotations

import asyncio

import orjson
from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sendable.api.errors import (
    error_response,
    service_error_response,
    unexpected_response,
)
from sendable.api.models import NewMessage
from sendable.api.routes.messages import send_reply
from sendable.errors import ServiceError
from sendable.service import SendAttempt
from sendable.shell.auth import Auth, Principal

PATH = "/v1/messages"


class _Route:  # what the request observer labels the metrics with
    path = PATH


_ROUTE = _Route()


class FastSend:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        state = scope["app"].state if "app" in scope else None
        headers: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:  # lower-case names; the first of a repeated one
            headers.setdefault(name, value)
        json_body = headers.get(b"content-type", b"").split(b";")[0].strip() == b"application/json"
        request = Request(scope)
        me = None
        if state is not None and json_body:
            scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
            token = token.strip()
            if scheme.lower() == "bearer" and token:
                me = state.auth.cached(token) or await _authenticate(state.auth, token)
        try:
            body = await _read_body(receive)
        except HTTPException:  # over the size limit, as the route would say it
            await error_response(request, 413, "the request body is too large")(
                scope, receive, send)
            return
        if body is None:  # the client went away
            return
        attempt = None
        if me is not None:
            try:
                new = NewMessage.model_validate(orjson.loads(body))
            except (orjson.JSONDecodeError, ValidationError):
                pass
            else:
                client = headers.get(b"sendable-client")
                attempt = SendAttempt(me.handle, new.to, new.text,
                                      client.decode("latin-1") if client is not None else None,
                                      new.client_msg_id, group=new.group)
        if attempt is None:
            await self.app(scope, _replay(body, receive), send)
            return
        scope["route"] = _ROUTE
        try:
            result = await state.writer.send(attempt)
        except ServiceError as error:
            await service_error_response(request, error)(scope, receive, send)
            return
        except Exception as error:  # e.g. the store is down: the usual 500, logged
            await unexpected_response(request, error)(scope, receive, send)
            return
        await send_reply(request, result)(scope, receive, send)


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
