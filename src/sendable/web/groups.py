"""The group pages: your groups, making one (each person's answer shown in the
composer's explaining style), a group's conversation with live updates, inviting,
answering an invitation, the owner's approvals, muting, and leaving.

Like the other pages, a thin front end over the service; a group you are not part of
is the 404 page, as one that does not exist. Every form that changes something answers
303 to a page that can be reloaded (web/flash.py carries what it answered), so a
reload never posts the form again."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from sendable.errors import NotFound, ServiceError
from sendable.reasons import INVITE_MASKS, for_audience, http_status, render_all
from sendable.shell.auth import Principal
from sendable.web import flash
from sendable.web.errors import PageRoute
from sendable.web.render import NOTICES, page, redirect
from sendable.web.session import checked_form, signed_in

router = APIRouter(route_class=PageRoute, include_in_schema=False)

NOTICES.update({
    "group_joined": "You joined the group.",
    "group_waiting": "You accepted: the owner has to let you in before you can read or post.",
    "group_declined": "Invitation declined. It is gone from your groups.",
    "group_left": "You left the group.",
    "group_approved": "Let in: they are a member now, or once they accept the invitation.",
    "group_muted": "Muted: messages still arrive, without notifications.",
    "group_unmuted": "Unmuted.",
})


def _service(request: Request) -> Any:
    return request.app.state.service


def _handles(raw: str) -> list[str]:
    return [h.strip().removeprefix("@") for h in raw.replace(",", " ").split() if h.strip()]


def _packed_results(request: Request, gid: int, results: list[Any]) -> str:
    """Each person's answer in the adder's view (a block or an age masked)."""
    rows = [[r.handle, r.outcome,
             flash.reasons_data(for_audience(r.findings, "sender", INVITE_MASKS))]
            for r in results]
    return flash.pack(request, "invites", f"/groups/{gid}", rows)


def _shown_results(request: Request, gid: int) -> list[dict[str, Any]] | None:
    rows, age = flash.unpack(request, request.query_params.get("results"), "invites",
                             f"/groups/{gid}")
    if not isinstance(rows, list):
        return None
    return [{"handle": str(r[0]), "outcome": str(r[1]),
             "reasons": flash.rendered_reasons(r[2], age)}
            for r in rows if isinstance(r, list) and len(r) == 3]


def _group_id(raw: str) -> int:
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise NotFound("no such group", "group")
    return int(raw)


def _groups_page(request: Request, me: Principal, *, status: int = 200,
                 error: ServiceError | None = None, form: dict[str, str] | None = None,
                 refusal: list[dict[str, Any]] | None = None) -> HTMLResponse:
    if refusal is None and request.method == "GET":
        carried, age = flash.unpack(request, request.query_params.get("refused"), "create",
                                    "/groups")
        if isinstance(carried, dict):
            refusal = flash.rendered_reasons(carried.get("reasons"), age)
            kept = carried.get("form")
            form = {k: str(v) for k, v in kept.items()} if isinstance(kept, dict) else None
    return page(request, "groups.html", status=status, title="Groups",
                groups=_service(request).groups.of(me.handle), error=error, form=form,
                refusal=refusal)


@router.get("/groups")
def groups(request: Request, me: Principal = Depends(signed_in)) -> HTMLResponse:
    return _groups_page(request, me)


@router.post("/groups")
def create(request: Request, form: dict[str, str] = Depends(checked_form),
           me: Principal = Depends(signed_in)) -> Response:
    service = _service(request)
    try:
        created = service.groups.create(me.handle, form.get("name", ""),
                                        _handles(form.get("members", "")))
    except ServiceError as error:  # a bad field: nothing changed, the form says what
        return _groups_page(request, me, status=error.status, error=error, form=form)
    if created.group is None:  # refused as a whole: nothing made, every reason shown
        packed = flash.pack(request, "create", "/groups", {
            "reasons": flash.reasons_data(for_audience(created.findings, "sender")),
            "form": {"name": form.get("name", "")[:64], "members": form.get("members", "")[:2000]}})
        return redirect(f"/groups?refused={packed}#refusal")
    gid = created.group["id"]
    return redirect(f"/groups/{gid}?results={_packed_results(request, gid, created.results)}"
                    "#invite-results")


def _group_page(request: Request, me: Principal, group_id: int, *, status: int = 200,
                text: str = "", refusal: list[dict[str, Any]] | None = None,
                error: ServiceError | None = None,
                add_error: ServiceError | None = None) -> HTMLResponse:
    service = _service(request)
    group = service.groups.get(me.handle, group_id)
    member = me.handle in group["members"]
    messages = service.group_chat.history(me.handle, group_id) if member else []
    invited = next((p for p in group["pending"] if p["handle"] == me.handle), None)
    muted = any(g["id"] == group_id and g["muted"] for g in service.groups.of(me.handle))
    return page(request, "group.html", status=status, title=group["name"], group=group,
                member=member, invited=invited, messages=messages, muted=muted,
                results=_shown_results(request, group_id) if request.method == "GET" else None,
                owner=group["owner"] == me.handle, text=text, refusal=refusal, error=error,
                add_error=add_error)


@router.get("/groups/{group_id}")
def group_view(group_id: str, request: Request,
               me: Principal = Depends(signed_in)) -> HTMLResponse:
    return _group_page(request, me, _group_id(group_id))


@router.post("/groups/{group_id}/send")
def send(group_id: str, request: Request, form: dict[str, str] = Depends(checked_form),
         me: Principal = Depends(signed_in)) -> Response:
    """A stored message redirects; a refused one stored nothing and is answered here,
    with the text kept, as the direct composer does."""
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
    try:
        results = _service(request).groups.add(me.handle, gid, _handles(form.get("members", "")))
    except ServiceError as error:  # an unknown handle or a bad list: nobody was put in
        if error.field != "members":
            raise
        return _group_page(request, me, gid, status=error.status, add_error=error)
    return redirect(f"/groups/{gid}?results={_packed_results(request, gid, results)}"
                    "#invite-results")


@router.post("/groups/{group_id}/{action}")
def act(group_id: str, action: str, request: Request,
        form: dict[str, str] = Depends(checked_form),
        me: Principal = Depends(signed_in)) -> Response:
    """join, decline, leave, mute, unmute, or approve (the owner; form field `handle`)."""
    gid, groups_room = _group_id(group_id), _service(request).groups
    if action == "join":
        state = groups_room.join(me.handle, gid)
        return redirect(f"/groups/{gid}", "group_joined" if state == "member"
                        else "group_waiting")
    if action == "decline":
        groups_room.decline(me.handle, gid)
        return redirect("/groups", "group_declined")
    if action == "leave":
        groups_room.leave(me.handle, gid)
        return redirect("/groups", "group_left")
    if action in ("mute", "unmute"):
        groups_room.mute(me.handle, gid, action == "mute")
        return redirect(f"/groups/{gid}", f"group_{action}d")
    if action == "approve":
        groups_room.approve(me.handle, gid, form.get("handle", ""))
        return redirect(f"/groups/{gid}", "group_approved")
    raise NotFound("no such page", "action")
