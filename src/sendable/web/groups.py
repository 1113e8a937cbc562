"""The group pages: your groups, making one (each person's answer shown in the
composer's explaining style), a group's conversation with live updates, inviting,
answering an invitation, the owner's approvals, and leaving.

Like the other pages, a thin front end over the service; a group you are not part of
is the 404 page, as one that does not exist."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from sendable.errors import NotFound, ServiceError
from sendable.reasons import INVITE_MASKS, http_status, render_all
from sendable.shell.auth import Principal
from sendable.web.errors import PageRoute
from sendable.web.render import page, redirect
from sendable.web.session import checked_form, signed_in

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def _service(request: Request) -> Any:
    return request.app.state.service


def _results(results: list[Any]) -> list[dict[str, Any]]:
    return [{"handle": r.handle, "outcome": r.outcome,
             "reasons": render_all(r.findings, "sender", INVITE_MASKS)} for r in results]


def _group_id(raw: str) -> int:
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise NotFound("no such group", "group")
    return int(raw)


@router.get("/groups")
def groups(request: Request, me: Principal = Depends(signed_in)) -> HTMLResponse:
    return page(request, "groups.html", title="Groups",
                groups=_service(request).groups.of(me.handle))


@router.post("/groups")
def create(request: Request, form: dict[str, str] = Depends(checked_form),
           me: Principal = Depends(signed_in)) -> Response:
    service = _service(request)
    handles = [h.strip().removeprefix("@") for h in form.get("members", "").replace(",", " ")
               .split() if h.strip()]
    try:
        created = service.groups.create(me.handle, form.get("name", ""), handles)
    except ServiceError as error:
        return page(request, "groups.html", status=error.status, title="Groups",
                    groups=service.groups.of(me.handle), error=error, form=form)
    if created.group is None:
        return page(request, "groups.html", status=http_status(list(created.findings)),
                    title="Groups", groups=service.groups.of(me.handle), form=form,
                    refusal=render_all(created.findings, "sender"))
    return _group_page(request, me, created.group["id"], status=201,
                       results=_results(created.results))


def _group_page(request: Request, me: Principal, group_id: int, *, status: int = 200,
                results: list[dict[str, Any]] | None = None, text: str = "",
                refusal: list[dict[str, Any]] | None = None,
                error: ServiceError | None = None) -> HTMLResponse:
    service = _service(request)
    group = service.groups.get(me.handle, group_id)
    member = me.handle in group["members"]
    messages = service.group_chat.history(me.handle, group_id) if member else []
    invited = next((p for p in group["pending"] if p["handle"] == me.handle), None)
    return page(request, "group.html", status=status, title=group["name"], group=group,
                member=member, invited=invited, messages=messages, results=results,
                owner=group["owner"] == me.handle, text=text, refusal=refusal, error=error)


@router.get("/groups/{group_id}")
def group_view(group_id: str, request: Request,
               me: Principal = Depends(signed_in)) -> HTMLResponse:
    return _group_page(request, me, _group_id(group_id))


@router.post("/groups/{group_id}/send")
def send(group_id: str, request: Request, form: dict[str, str] = Depends(checked_form),
         me: Principal = Depends(signed_in)) -> Response:
    gid, text = _group_id(group_id), form.get("text", "")
    try:
        result = _service(request).group_chat.send(me.handle, gid, text,
                                                   client_msg_id=form.get("client_msg_id") or None)
    except NotFound:
        raise
    except ServiceError as error:
        return _group_page(request, me, gid, status=error.status, text=text, error=error)
    if result.outcome == "refused":
        findings = list(result.decision.findings)
        return _group_page(request, me, gid, status=http_status(findings), text=text,
                           refusal=render_all(findings, "sender"))
    return redirect(f"/groups/{gid}#composer", result.outcome)


@router.post("/groups/{group_id}/add")
def add(group_id: str, request: Request, form: dict[str, str] = Depends(checked_form),
        me: Principal = Depends(signed_in)) -> Response:
    gid = _group_id(group_id)
    handles = [h.strip().removeprefix("@") for h in form.get("members", "").replace(",", " ")
               .split() if h.strip()]
    try:
        results = _service(request).groups.add(me.handle, gid, handles)
    except NotFound as error:
        if error.field != "members":
            raise
        return _group_page(request, me, gid, status=404, error=error)
    return _group_page(request, me, gid, results=_results(results))


@router.post("/groups/{group_id}/{action}")
def act(group_id: str, action: str, request: Request,
        form: dict[str, str] = Depends(checked_form),
        me: Principal = Depends(signed_in)) -> Response:
    """join, decline, leave, or approve (the owner; form field `handle`)."""
    gid, groups_room = _group_id(group_id), _service(request).groups
    if action == "join":
        groups_room.join(me.handle, gid)
    elif action == "decline":
        groups_room.decline(me.handle, gid)
        return redirect("/groups")
    elif action == "leave":
        groups_room.leave(me.handle, gid)
        return redirect("/groups")
    elif action == "approve":
        groups_room.approve(me.handle, gid, form.get("handle", ""))
    else:
        raise NotFound("no such page", "action")
    return redirect(f"/groups/{gid}")
