"""Who is asking: bearer tokens from the Authorization header (or, for browsers'
WebSockets, a `token` query parameter)."""

from __future__ import annotations

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from sendable.errors import Forbidden
from sendable.service import Service
from sendable.shell.auth import Auth, Principal


def bearer_token(conn: HTTPConnection) -> str | None:
    header = conn.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def service_of(conn: HTTPConnection) -> Service:
    return conn.app.state.service


def auth_of(conn: HTTPConnection) -> Auth:
    return conn.app.state.auth


# Declares the bearer scheme in /openapi.json (and the lock in /docs); the token is
# read by `bearer_token` below, which also serves the WebSocket.
BEARER = HTTPBearer(auto_error=False, scheme_name="bearer",
                    description="A session token from POST /v1/sessions")


async def current(request: Request,
                  _: HTTPAuthorizationCredentials | None = Security(BEARER)) -> Principal:
    """The signed-in account; a recently seen token costs no thread hop or query."""
    auth, token = auth_of(request), bearer_token(request)
    return auth.cached(token) or await run_in_threadpool(auth.authenticate, token)


def moderator(me: Principal = Depends(current)) -> Principal:
    if me.role != "moderator":
        raise Forbidden("this needs a moderator account", "role")
    return me
