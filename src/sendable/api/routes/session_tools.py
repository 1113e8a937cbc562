"""A signed-in account's session tools: stream tickets and changing the password."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import Field

from sendable.api.auth import auth_of, current, request_token
from sendable.api.models import Body
from sendable.api.schemas import StreamTicket, errors
from sendable.shell.auth import Principal

router = APIRouter(tags=["accounts"])


class PasswordChange(Body):
    current_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024)


@router.post("/v1/stream/tickets", status_code=201, response_model=StreamTicket)
def stream_ticket(request: Request, me: Principal = Depends(current)) -> dict[str, Any]:
    """A ticket that opens one live stream (`/v1/stream?ticket=…`) for this session:
    single-use, valid for `expires_in` seconds, so a page or a URL never carries the
    session token. The stream closes when the session signs out."""
    ticket, seconds = auth_of(request).mint_ticket(request_token(request))
    return {"ticket": ticket, "expires_in": int(seconds)}


@router.put("/v1/me/password", status_code=204, responses=errors(401, 429))
def change_password(body: PasswordChange, request: Request,
                    me: Principal = Depends(current)) -> Response:
    """Change your password (the current one must be right; throttled as a sign-in).
    Every other session of the account ends, with its live streams."""
    address = request.client.host if request.client else "unknown"
    auth_of(request).change_password(request_token(request) or "", body.current_password,
                                     body.new_password, address)
    return Response(status_code=204)
