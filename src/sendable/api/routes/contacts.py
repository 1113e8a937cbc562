"""Finding people: search, a person's card, contact upload and matches, the phone."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from sendable.api.auth import current, service_of
from sendable.api.models import ContactUpload, NewPhone, VerificationCode
from sendable.api.schemas import errors
from sendable.api.schemas_groups import (
    ContactsStored,
    Matches,
    PeopleFound,
    Person,
    PhoneState,
    PhoneVerified,
)
from sendable.errors import Invalid
from sendable.inputs import SPACE
from sendable.shell.auth import Principal

router = APIRouter(tags=["people"])

# A full contact list (5,000 entries by default) is bigger than other bodies.
UPLOAD_PATHS = ("/v1/me/contacts", "/people/contacts")
MAX_UPLOAD_BODY = 2 * 1024 * 1024
# After trimming spaces and leading '@'s, something is left; no NUL anywhere.
QUERY = rf"^[{SPACE}]*@*([^@{SPACE}\x00]|[{SPACE}]+[^{SPACE}\x00])[^\x00]*$"
CURSOR = r"^[A-Za-z0-9_-]*$"  # what next_cursor is made of (any such string is a position)


@router.get("/v1/users", response_model=PeopleFound, responses=errors(429))
def search(request: Request, q: str = Query(..., max_length=64, pattern=QUERY,
                                           description="a handle or name's start ('@' optional)"),
           limit: int = Query(20, ge=1, le=50), cursor: str | None = Query(None, max_length=200, pattern=CURSOR,
                                      description="`next_cursor` of the page before"),
           me: Principal = Depends(current)) -> dict[str, Any]:
    """People search: discoverable accounts whose handle or display name starts with `q`.
    Each result says `can_message` (true or false, never why). Throttled per account
    (429 with `retry_after`); every page counts."""
    return service_of(request).people.search(me.handle, q, limit, cursor)


@router.get("/v1/users/{handle}", response_model=Person, responses=errors(404))
def person(request: Request, handle: str = Path(max_length=64),
           me: Principal = Depends(current)) -> dict[str, Any]:
    """One person's card: handle, display name, `can_message`. An account that is not
    discoverable answers 404, as for a handle nobody has, unless it knows you."""
    return service_of(request).people.person(me.handle, handle)


@router.put("/v1/me/contacts", response_model=ContactsStored, responses=errors(409, 429))
def upload(body: ContactUpload, request: Request,
           me: Principal = Depends(current)) -> dict[str, Any]:
    """Replace your uploaded contacts (needs `sync_contacts` on). Only keyed hashes of
    the normalised entries are kept; a bad entry is skipped and listed in `skipped`
    with its field (`phones[2]`). Throttled with the match list."""
    return service_of(request).people.upload(me.handle, body.emails, body.phones)


@router.delete("/v1/me/contacts", status_code=204)
def clear(request: Request, me: Principal = Depends(current)) -> Response:
    """Delete every uploaded contact."""
    service_of(request).people.clear(me.handle)
    return Response(status_code=204)


@router.get("/v1/me/contacts/matches", response_model=Matches, responses=errors(429))
def matches(request: Request, me: Principal = Depends(current)) -> dict[str, Any]:
    """The discoverable accounts among your contacts, each with `can_message`."""
    return {"matches": service_of(request).people.matches(me.handle)}


@router.put("/v1/me/phone", response_model=PhoneState, responses=errors(429, 503))
def set_phone(body: NewPhone, request: Request,
              me: Principal = Depends(current)) -> dict[str, Any]:
    """Set your phone number (or null to remove it); a code is sent to it, and contacts
    match it only once it is confirmed."""
    return service_of(request).people.set_phone(me.handle, body.phone)


@router.post("/v1/me/phone/confirm", response_model=PhoneVerified)
def confirm_phone(body: VerificationCode, request: Request,
                  me: Principal = Depends(current)) -> dict[str, Any]:
    if not service_of(request).people.confirm_phone(me.handle, body.code):
        raise Invalid("that code is wrong or has expired", "code")
    return {"phone_verified": True}
