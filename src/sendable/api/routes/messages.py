"""Sending, asking why, and reading conversations."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from sendable.api.auth import current, service_of
from sendable.api.errors import refusal_response
from sendable.api.models import MAX_ID, NewMessage, WhyQuery
from sendable.api.responses import JSON
from sendable.api.schemas import (
    Conversations,
    ConversationState,
    Messages,
    RefusalReply,
    SendReply,
    WhyReply,
    errors,
)
from sendable.reasons import render_all
from sendable.service import SendAttempt, SendResult
from sendable.shell.auth import Principal

router = APIRouter(tags=["messages"])

NOTICES = {
    "requested": [{"code": "requested", "message":
                   "They don't follow you yet, so this is in their message requests "
                   "until they accept it."}],
    "held": [{"code": "held", "message":
              "Held for review: a moderator will look at it before it is delivered."}],
    "delivered": [],
}
REFUSED = {403: {"model": RefusalReply, "description": "refused: every reason, sender view"},
           426: {"model": RefusalReply, "description": "refused: update the app"},
           429: {"model": RefusalReply, "description": "refused: too fast (Retry-After)"}}
ConversationId = Path(ge=1, le=MAX_ID)
NOT_FOUND = errors(404)


@router.post("/v1/messages", status_code=201, response_model=None,
             responses={201: {"model": SendReply}, 404: errors(404)[404], **REFUSED})
async def send(body: NewMessage, request: Request,
               me: Principal = Depends(current)) -> Response:
    """Send a message (api/fastsend.py answers the common case before this runs).
    Delivered, in their requests, held for review (201), or refused
    with every reason. A repeated `client_msg_id` returns the first result."""
    result = await request.app.state.writer.send(SendAttempt(
        me.handle, body.to, body.text, request.headers.get("sendable-client"),
        body.client_msg_id, group=body.group))
    return send_reply(request, result)


def send_reply(request: Request, result: SendResult) -> JSON:
    """The answer to a send (this route's and api/fastsend.py's)."""
    if result.replayed:
        return JSON({"message": result.message, "notices": NOTICES[result.outcome]},
                    status_code=201, headers={"Idempotent-Replayed": "true"})
    request.app.state.metrics.decision(result.decision)
    if result.outcome == "refused":
        return refusal_response(request, result.decision.findings)
    return JSON({"message": result.message, "notices": _notices(result)}, status_code=201)


def _notices(result: SendResult) -> list[dict]:
    """What the sender should know about a stored message. A held one says why, in the
    sender view, as a refusal would: it is their own text, nobody else's secret."""
    notices = NOTICES[result.outcome]
    if result.outcome == "held":
        return [{**notices[0], "reasons": render_all(result.decision.findings, "sender")}]
    return notices


@router.post("/v1/why", response_model=WhyReply, responses=NOT_FOUND)
def why(body: WhyQuery, request: Request, me: Principal = Depends(current)) -> Response:
    """Could I send this now? Every reason that applies, without sending."""
    decision = service_of(request).why(me.handle, body.to, body.text,
                                       client=request.headers.get("sendable-client"))
    return JSON({"sendable": decision.sendable, "outcome": decision.outcome,
                 "reasons": render_all(decision.findings, "sender")})


@router.get("/v1/conversations", response_model=Conversations)
def conversations(request: Request, folder: Literal["inbox", "requests"] = "inbox",
                  me: Principal = Depends(current)) -> dict[str, Any]:
    """Direct conversations (`kind: direct`) and, in the inbox, groups (`kind: group`)."""
    service = service_of(request)
    rows = [{**c, "kind": "direct"} for c in service.conversations(me.handle, folder)]
    if folder == "inbox":
        rows += [g for g in service.groups.of(me.handle) if g["state"] == "member"]
    return {"folder": folder, "conversations": rows}


@router.get("/v1/conversations/{conversation_id}/messages", response_model=Messages,
            responses=NOT_FOUND)
def messages(request: Request, conversation_id: int = ConversationId,
             after_seq: int = Query(0, ge=0, le=MAX_ID),
             limit: int = Query(50, ge=1, le=200),
             me: Principal = Depends(current)) -> dict[str, Any]:
    """Messages after `after_seq`, oldest first. Another account's conversation is 404."""
    rows = service_of(request).messages(me.handle, conversation_id, after_seq, limit)
    return {"conversation_id": conversation_id, "messages": rows}


@router.post("/v1/conversations/{conversation_id}/accept", response_model=ConversationState,
             responses=errors(404, 409))
def accept(request: Request, conversation_id: int = ConversationId,
           me: Principal = Depends(current)) -> dict[str, Any]:
    """Accept a message request: it moves to the inbox."""
    service_of(request).accept_conversation(me.handle, conversation_id)
    return {"conversation_id": conversation_id, "state": "accepted"}


@router.post("/v1/conversations/{conversation_id}/decline", response_model=ConversationState,
             responses=errors(404, 409))
def decline(request: Request, conversation_id: int = ConversationId,
            me: Principal = Depends(current)) -> dict[str, Any]:
    service_of(request).decline_conversation(me.handle, conversation_id)
    return {"conversation_id": conversation_id, "state": "declined"}
