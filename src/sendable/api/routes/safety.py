"""Reports and appeals, from the account holder's side."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from sendable.api.auth import current, service_of
from sendable.api.models import NewAppeal, NewReport
from sendable.api.schemas import Appeal, Appeals, Created, errors
from sendable.shell.auth import Principal

router = APIRouter(tags=["safety"])


@router.post("/v1/reports", status_code=201, response_model=Created,
             responses=errors(404, 409, 429))
def report(body: NewReport, request: Request,
           me: Principal = Depends(current)) -> dict[str, Any]:
    """Report an account, a message you received, or a group you are in."""
    if body.group_id is not None:
        return {"id": service_of(request).group_moderation.report(me.handle, body.group_id,
                                                        body.reason)}
    report_id = service_of(request).report(me.handle, body.reason, of=body.handle,
                                           message_id=body.message_id)
    return {"id": report_id}


@router.post("/v1/appeals", status_code=201, response_model=Appeal,
             responses=errors(404, 409))
def appeal(body: NewAppeal, request: Request,
           me: Principal = Depends(current)) -> dict[str, Any]:
    """Appeal what a reason's `appeal_target` names, once: `ban:<id>`, `strike:<id>`,
    `held:<message id>` (your message held for review), `attempt:<id>` (your send the
    spam checks refused), `flag:<id>` (the flag on your account) or `group:<id>` (your
    group that moderators closed). Someone else's target reads as one that does not
    exist (404)."""
    appeal_id = service_of(request).appeal(me.handle, body.target, body.statement)
    return next(a for a in service_of(request).appeals(me.handle) if a["id"] == appeal_id)


@router.get("/v1/appeals", response_model=Appeals)
def appeals(request: Request, me: Principal = Depends(current)) -> dict[str, Any]:
    return {"appeals": service_of(request).appeals(me.handle)}
