"""Accounts, sessions, the signed-in account, its standing and verification."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from sendable.api.auth import auth_of, current, request_token, service_of
from sendable.api.models import Birthdate, Login, NewAccount, Settings, VerificationCode
from sendable.api.schemas import Account, Session, Standing, VerificationSent, Verified, errors
from sendable.clock import to_iso
from sendable.errors import Invalid, ServiceError
from sendable.shell.auth import Principal

router = APIRouter(tags=["accounts"])


class NotAvailable(ServiceError):
    status = 501


def me_view(row: dict[str, Any]) -> dict[str, Any]:
    birthdate = row.get("birthdate")
    return {"handle": row["handle"], "created_at": to_iso(row["created_at"]),
            "birthdate": birthdate.isoformat() if birthdate else None, "email": row["email"],
            "verified": bool(row["verified"]), "role": row["role"],
            "who_can_message": row["who_can_message"], "private": bool(row["private"]),
            "group_invites": row.get("group_invites") or "mutuals",
            "flagged": row["flagged_at"] is not None,
            "discoverable": bool(row.get("discoverable", True)),
            "sync_contacts": bool(row.get("sync_contacts", False)),
            "display_name": row.get("display_name"), "phone": row.get("phone"),
            "phone_verified": bool(row.get("phone_verified", False))}


@router.post("/v1/accounts", status_code=201, response_model=Account,
             responses=errors(409, 429))
def create_account(body: NewAccount, request: Request) -> dict[str, Any]:
    """Create an account. Handles are unique whatever their case. Sign-ups are
    throttled per source address (429 with Retry-After)."""
    address = request.client.host if request.client else "unknown"
    row = auth_of(request).register(body.handle, body.password, body.birthdate, body.email,
                                    address)
    return me_view(row)


@router.post("/v1/sessions", status_code=201, response_model=Session,
             responses=errors(401, 429))
def login(body: Login, request: Request) -> dict[str, Any]:
    """Sign in: a bearer token for `Authorization: Bearer <token>`. Attempts are
    throttled per address, sign-ins per account, and wrong passwords earn growing
    delays per account and address together (429 with Retry-After), never a lockout."""
    address = request.client.host if request.client else "unknown"
    token, expires_at = auth_of(request).login(body.handle, body.password, address)
    return {"token": token, "expires_at": to_iso(expires_at), "handle": body.handle}


@router.delete("/v1/sessions", status_code=204)
def logout(request: Request, me: Principal = Depends(current)) -> Response:
    """Sign out: the token stops working, and its live streams close on every node."""
    auth_of(request).logout(request_token(request) or "")
    return Response(status_code=204)


@router.get("/v1/me", response_model=Account)
def get_me(request: Request, me: Principal = Depends(current)) -> dict[str, Any]:
    return me_view(service_of(request).account(me.handle))


@router.patch("/v1/me/settings", response_model=Account)
def update_settings(body: Settings, request: Request,
                    me: Principal = Depends(current)) -> dict[str, Any]:
    """Who can message you, who can put you in groups, whether follows need your
    approval, whether people search finds you, and contact sync (turning it off deletes
    your uploaded contacts)."""
    service = service_of(request)
    row = service.people.update_settings(me.handle, body.discoverable, body.sync_contacts,
                                         body.display_name)
    if (body.who_can_message is not None or body.private is not None
            or body.group_invites is not None):
        row = service.update_settings(me.handle, body.who_can_message, body.private,
                                      body.group_invites)
    return me_view(row)


@router.put("/v1/me/birthdate", response_model=Account, responses=errors(409))
def give_birthdate(body: Birthdate, request: Request,
                   me: Principal = Depends(current)) -> dict[str, Any]:
    """Give your date of birth once, if you did not when signing up: until then you
    count as under the minimum messaging age. 409 when one is already on file."""
    return me_view(service_of(request).give_birthdate(me.handle, body.birthdate))


@router.get("/v1/me/standing", response_model=Standing)
def standing(request: Request, me: Principal = Depends(current)) -> dict[str, Any]:
    """Restrictions, strikes, bans (with their ends), reputation band, appeals."""
    return service_of(request).standing(me.handle)


@router.post("/v1/me/verification", status_code=202, response_model=VerificationSent,
             responses=errors(409, 422, 429, 501, 503))
def start_verification(request: Request, me: Principal = Depends(current)) -> dict[str, Any]:
    """Send a verification code to the account's email (409: already verified; 422: no
    email; 429: the hour's codes were sent, with `retry_after`)."""
    start = getattr(service_of(request), "start_verification", None)
    if start is None:
        raise NotAvailable("verification is not available on this server yet")
    start(me.handle)
    return {"sent": True}


@router.post("/v1/me/verification/confirm", response_model=Verified,
             responses=errors(429, 501))
def confirm_verification(body: VerificationCode, request: Request,
                         me: Principal = Depends(current)) -> dict[str, Any]:
    """Confirm the code; a verified account's flag is lifted."""
    confirm = getattr(service_of(request), "confirm_verification", None)
    if confirm is None:
        raise NotAvailable("verification is not available on this server yet")
    if not confirm(me.handle, body.code):
        raise Invalid("that code is wrong or has expired", "code")
    return {"verified": True}
