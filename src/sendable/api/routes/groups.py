"""Groups: making them, putting people in, joining, leaving, the owner's powers,
reading them, forwarding, and `why` for a group send or an invite.

A group that the caller is not in (nor invited to) answers 404, as one that does not
exist: nobody learns of a group they are not part of. Every invite answer is in the
adder's view, where a block or an age reads as `privacy.group_invites`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Request, Response

from sendable.api.auth import current, service_of
from sendable.api.errors import refusal_response
from sendable.api.models import Forward, GroupMembers, GroupRename, GroupWhy, LinkToken, NewGroup
from sendable.api.responses import JSON
from sendable.api.routes.messages import send_reply
from sendable.api.validation import Cursor
from sendable.reasons import INVITE_MASKS, for_audience, http_status, render_all
from sendable.shell.auth import Principal
from sendable.shell.groups import InviteResult

router = APIRouter(tags=["groups"])
GroupId = Path(ge=1, le=2**63 - 1)
Handle = Path(max_length=64)


def result_json(result: InviteResult) -> dict[str, Any]:
    return {"handle": result.handle, "outcome": result.outcome,
            "reasons": render_all(result.findings, "sender", INVITE_MASKS)}


@router.post("/v1/groups", status_code=201)
def create(body: NewGroup, request: Request, me: Principal = Depends(current)) -> Response:
    """Make a group and put each member in: each gets one result. Refused as a whole,
    with every reason and nothing made, when you may not make a group now."""
    created = service_of(request).groups.create(me.handle, body.name, body.members)
    if created.group is None:
        return refusal_response(request, created.findings)
    return JSON({"group": created.group, "results": [result_json(r) for r in created.results]},
                status_code=201)


@router.get("/v1/groups")
def mine(request: Request, me: Principal = Depends(current)) -> dict[str, Any]:
    """The groups you are in or invited to."""
    return {"groups": service_of(request).groups.of(me.handle)}


@router.get("/v1/groups/{group_id}")
def get(request: Request, group_id: int = GroupId,
        me: Principal = Depends(current)) -> dict[str, Any]:
    return {"group": service_of(request).groups.get(me.handle, group_id)}


@router.patch("/v1/groups/{group_id}")
def rename(body: GroupRename, request: Request, group_id: int = GroupId,
           me: Principal = Depends(current)) -> dict[str, Any]:
    """The owner renames the group."""
    return {"group": service_of(request).groups.rename(me.handle, group_id, body.name)}


@router.post("/v1/groups/{group_id}/members")
def add(body: GroupMembers, request: Request, group_id: int = GroupId,
        me: Principal = Depends(current)) -> dict[str, Any]:
    results = service_of(request).groups.add(me.handle, group_id, body.handles)
    return {"results": [result_json(r) for r in results]}


@router.delete("/v1/groups/{group_id}/members/{handle}", status_code=204)
def remove(request: Request, group_id: int = GroupId, handle: str = Handle,
           me: Principal = Depends(current)) -> Response:
    """The owner removes someone; your own handle leaves the group."""
    service_of(request).groups.remove(me.handle, group_id, handle)
    return Response(status_code=204)


@router.post("/v1/groups/{group_id}/join")
def join(request: Request, group_id: int = GroupId,
         me: Principal = Depends(current)) -> dict[str, Any]:
    """Accept an invitation."""
    return {"state": service_of(request).groups.join(me.handle, group_id)}


@router.post("/v1/groups/{group_id}/decline", status_code=204)
def decline(request: Request, group_id: int = GroupId,
            me: Principal = Depends(current)) -> Response:
    service_of(request).groups.decline(me.handle, group_id)
    return Response(status_code=204)


@router.post("/v1/groups/{group_id}/approve/{handle}")
def approve(request: Request, group_id: int = GroupId, handle: str = Handle,
            me: Principal = Depends(current)) -> dict[str, Any]:
    """The owner of a teen's group lets someone waiting in."""
    return {"handle": handle,
            "state": service_of(request).groups.approve(me.handle, group_id, handle)}


@router.post("/v1/groups/{group_id}/link")
def link(request: Request, group_id: int = GroupId,
         me: Principal = Depends(current)) -> dict[str, Any]:
    return {"token": service_of(request).groups.link(me.handle, group_id)}


@router.post("/v1/groups/join")
def join_by_link(body: LinkToken, request: Request,
                 me: Principal = Depends(current)) -> Response:
    result = service_of(request).groups.link_join(me.handle, token=body.token)
    status = http_status(list(result.findings)) if result.outcome == "refused" else 200
    return JSON(result_json(result), status_code=status)


@router.put("/v1/groups/{group_id}/mute", status_code=204)
def mute(request: Request, group_id: int = GroupId,
         me: Principal = Depends(current)) -> Response:
    service_of(request).groups.mute(me.handle, group_id, True)
    return Response(status_code=204)


@router.delete("/v1/groups/{group_id}/mute", status_code=204)
def unmute(request: Request, group_id: int = GroupId,
           me: Principal = Depends(current)) -> Response:
    service_of(request).groups.mute(me.handle, group_id, False)
    return Response(status_code=204)


@router.get("/v1/groups/{group_id}/messages")
def messages(request: Request, group_id: int = GroupId, after_seq: Cursor = 0,
             me: Principal = Depends(current)) -> dict[str, Any]:
    """What you see of the group: never the messages of someone you blocked."""
    rows = service_of(request).group_chat.history(me.handle, group_id, max(0, after_seq))
    return {"group_id": group_id, "messages": rows}


@router.post("/v1/messages/{message_id}/forward", status_code=201, response_model=None)
def forward(body: Forward, request: Request, message_id: int = Path(ge=1, le=2**63 - 1),
            me: Principal = Depends(current)) -> Response:
    """Send the text of a message you can see to another chat, through the same rules:
    a direct message of yours or to you, else a group message you can read."""
    chat = service_of(request).group_chat
    result = chat.forward_by_id(me.handle, message_id, to=body.to, group=body.group,
                                client_msg_id=body.client_msg_id)
    return send_reply(request, result)


@router.post("/v1/groups/why")
def why(body: GroupWhy, request: Request, me: Principal = Depends(current)) -> dict[str, Any]:
    """Could I send this to the group, or put this person in it? Without doing it."""
    service = service_of(request)
    if body.invite is not None:
        decision = service.groups.why_invite(me.handle, body.group, body.invite)
        shown = for_audience(decision.findings, "sender", INVITE_MASKS)
        return {"sendable": decision.outcome != "refused", "outcome": decision.outcome,
                "reasons": render_all(shown, "sender")}
    found = service.sending.why_group(me.handle, body.group, body.text,
                                      client=request.headers.get("sendable-client"))
    return {"sendable": found.sendable, "outcome": found.outcome,
            "reasons": render_all(found.findings, "sender")}
