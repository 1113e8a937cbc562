"""Who is asking: bearer tokens from the Authorization header, or a page script's
session cookie with its CSRF header (sendable.page_session: pages never hold the
token). Browsers' WebSockets use a single-use stream ticket (api/stream.py)."""

from __future__ import annotations

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from sendable.errors import Forbidden
from sendable.page_session import page_token
from sendable.service import Service
from sendable.shell.auth import Auth, Principal


def bearer_token(conn: HTTPConnection) -> str | None:
    header = conn.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def request_token(conn: HTTPConnection) -> str | None:
    """The session token a request is signed in with: its bearer token, or a page
    script's session cookie with the page's CSRF token."""
    return bearer_token(conn) or page_token(conn.cookies, conn.headers)


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
    auth = auth_of(request)
    token = request_token(request)
    return auth.cached(token) or await run_in_threadpool(auth.authenticate, token)


def moderator(me: Principal = Depends(current)) -> Principal:
    if me.role != "moderator":
        raise Forbidden("this needs a moderator account", "role")
    return me
