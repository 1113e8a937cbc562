"""Moderator endpoints (role=moderator, 403 otherwise)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Request, Response

from sendable.api.auth import moderator, service_of
from sendable.api.models import MAX_ID, AppealDecision, ModAction, ModWhyQuery
from sendable.api.responses import JSON
from sendable.api.schemas import AppealDecided, ModActionReply, ModQueue, ModWhyReply, errors
from sendable.api.schemas_groups import ModGroups
from sendable.durations import parse_duration
from sendable.errors import Invalid
from sendable.reasons import render_all
from sendable.shell.auth import Principal

router = APIRouter(tags=["moderation"])


@router.get("/v1/mod/queue", response_model=ModQueue)
def queue(request: Request, me: Principal = Depends(moderator)) -> dict[str, Any]:
    """Held messages awaiting a decision (direct: held_message; in a group:
    held_group_message), open reports (per account) and open appeals, most urgent
    first; each item says how its priority was scored."""
    return {"items": service_of(request).mod_queue()}


@router.get("/v1/mod/groups", response_model=ModGroups)
def groups(request: Request, me: Principal = Depends(moderator)) -> dict[str, Any]:
    """Every group with its owner, members and pending entries."""
    return {"groups": service_of(request).group_moderation.all()}


@router.post("/v1/mod/actions", response_model=ModActionReply, response_model_exclude_unset=True,
             responses=errors(404, 409))
def action(body: ModAction, request: Request,
           me: Principal = Depends(moderator)) -> dict[str, Any]:
    """ban (for, scope), unban, strike (category), flag, unflag; release (message_id: a
    held message, direct or in a group, is shown); confirm_held (message_id: it stays
    held and leaves the queue; a label for the check that held it); close_group /
    reopen_group (group_id); and spam / not_spam (message_id): a verdict the spam model
    learns from at once. A message_id that is not a held message is a 404, one already
    confirmed a 409, both naming message_id."""
    service = service_of(request)
    if (body.action in ("release", "confirm_held", "spam", "not_spam")
            and body.message_id is None):
        raise Invalid(f"{body.action} needs a message_id", "message_id")
    if body.action in ("close_group", "reopen_group"):
        if body.group_id is None:
            raise Invalid(f"{body.action} needs a group_id", "group_id")
        service.group_moderation.set_closed(body.group_id, body.action == "close_group", me.handle,
                                  body.reason)
        return {"action": body.action, "group_id": body.group_id}
    if body.action == "release":
        return {"action": "release", "message": service.release(body.message_id, me.handle)}
    if body.action == "confirm_held":
        confirmed = service.confirm_held(body.message_id, me.handle)
        result = {"action": "confirm_held", "message_id": body.message_id,
                  "labels": confirmed["labels"]}
        if confirmed["group_id"] is not None:
            result["group_id"] = confirmed["group_id"]
        return result
    if body.action in ("spam", "not_spam"):
        service.label_message(body.message_id, body.action == "spam", me.handle)
        return {"action": body.action, "message_id": body.message_id}
    if not body.handle:
        raise Invalid(f"{body.action} needs a handle", "handle")
    result: dict[str, Any] = {"action": body.action, "handle": body.handle}
    if body.action == "ban":
        seconds = None
        if body.length not in (None, "permanent"):
            try:
                seconds = parse_duration(body.length)
            except ValueError as error:
                raise Invalid(str(error), "for") from None
        result["ban_id"] = service.ban(body.handle, seconds, body.scope, me.handle, body.reason)
    elif body.action == "unban":
        result["lifted"] = service.unban(body.handle, me.handle, body.reason)
    elif body.action == "strike":
        if not body.category:
            raise Invalid("strike needs a category", "category")
        result["strike_id"] = service.strike(body.handle, body.category, me.handle, body.reason)
    elif body.action == "flag":
        service.flag(body.handle, me.handle, body.reason)
    else:
        service.unflag(body.handle, me.handle, body.reason)
    result["status"] = service.status(body.handle)
    return result


@router.post("/v1/mod/appeals/{appeal_id}", response_model=AppealDecided,
             responses=errors(404, 409))
def decide(body: AppealDecision, request: Request, appeal_id: int = Path(ge=1, le=MAX_ID),
           me: Principal = Depends(moderator)) -> dict[str, Any]:
    """Uphold or overturn; overturning removes the strike and lifts its ban."""
    return service_of(request).decide_appeal(appeal_id, body.decision, me.handle, body.note)


@router.post("/v1/mod/why", response_model=ModWhyReply, responses=errors(404))
def mod_why(body: ModWhyQuery, request: Request,
            me: Principal = Depends(moderator)) -> Response:
    """Every reason, true codes and detail (blocks, underage recipients, scores), and the
    sender's reputation with its components."""
    service = service_of(request)
    client = request.headers.get("sendable-client")
    if body.invite is not None:
        invite = service.groups.why_invite(body.sender, body.group, body.invite)
        sendable, outcome = invite.outcome != "refused", invite.outcome
        findings, relation = invite.findings, service.people.relation(body.sender, body.invite)
    elif body.group is not None:
        decision = service.sending.why_group(body.sender, body.group, body.text, client=client)
        sendable, outcome, findings, relation = (decision.sendable, decision.outcome,
                                                 decision.findings, [])
    else:
        decision = service.why(body.sender, body.to, body.text, client=client)
        sendable, outcome = decision.sendable, decision.outcome
        findings, relation = decision.findings, service.people.relation(body.sender, body.to)
    status = service.status(body.sender)
    return JSON({"sendable": sendable, "outcome": outcome,
                 "reasons": render_all(findings, "moderator"), "relation": relation,
                 "reputation": {"score": status["reputation"], "band": status["reputation_band"],
                                "components": status["reputation_components"]}})
