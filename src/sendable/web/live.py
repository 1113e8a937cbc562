"""What page scripts ask of the server with the session cookie, not the token.

Pages never carry the session token. Their scripts use these two routes, which
take the HttpOnly session cookie and the page's CSRF token in the
`X-Sendable-CSRF` header (a page on another site can send neither):

- POST /live/ticket: a single-use stream ticket (valid a minute) for
  WebSocket /v1/stream?ticket=…; a new one for each (re)connection.
- POST /live/why {to, text}: the composer's verdict, the same answer as /v1/why.
"""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from sendable.errors import Invalid, ServiceError
from sendable.page_session import CSRF_HEADER
from sendable.reasons import render_all
from sendable.web.session import auth_of, csrf_token, session_token, viewer

router = APIRouter(include_in_schema=False)


def _error(status: int, message: str, field: str | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": "forbidden" if status == 403 else "unauthorized"
                                   if status == 401 else "invalid", "message": message,
                                   "field": field}}, status_code=status,
                        headers={"Cache-Control": "no-store"})


def _signed_in(request: Request) -> JSONResponse | None:
    if viewer(request) is None:
        return _error(401, "sign in first")
    sent = request.headers.get(CSRF_HEADER, "")
    if not hmac.compare_digest(sent.encode(), csrf_token(request).encode()):
        return _error(403, "this page has expired; reload it", "csrf")
    return None


@router.post("/live/ticket")
def ticket(request: Request) -> JSONResponse:
    refused = _signed_in(request)
    if refused is not None:
        return refused
    try:
        value, seconds = auth_of(request).mint_ticket(session_token(request))
    except ServiceError as error:
        return _error(error.status, error.message, error.field)
    return JSONResponse({"ticket": value, "expires_in": int(seconds)}, status_code=201,
                        headers={"Cache-Control": "no-store"})


@router.post("/live/why")
async def why(request: Request) -> JSONResponse:
    refused = _signed_in(request)
    if refused is not None:
        return refused
    try:
        body: Any = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("to"), str):
        return _error(422, "to: a handle is needed", "to")
    text = body.get("text", "")
    me = viewer(request)
    assert me is not None
    service = auth_of(request).service
    try:
        if not isinstance(text, str):
            raise Invalid("text must be a string", "text")
        decision = await run_in_threadpool(service.why, me.handle, body["to"][:64], text)
    except ServiceError as error:
        return _error(error.status, error.message, error.field)
    return JSONResponse({"sendable": decision.sendable, "outcome": decision.outcome,
                         "reasons": render_all(decision.findings, "sender")},
                        headers={"Cache-Control": "no-store"})
