"""The moderator console (role=moderator): queue, account view, actions, audit log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from sendable.api.validation import id_path
from sendable.durations import parse_duration
from sendable.errors import Forbidden, Invalid, NotFound, ServiceError
from sendable.inputs import check_until
from sendable.reasons import GUIDELINE_CATEGORIES, render_all
from sendable.shell.auth import Principal
from sendable.web.errors import PageRoute
from sendable.web.pages import service_of
from sendable.web.render import page, redirect, safe_next
from sendable.web.session import checked_form, signed_in

router = APIRouter(prefix="/mod", route_class=PageRoute, include_in_schema=False)

STRIKE_CATEGORIES = GUIDELINE_CATEGORIES  # what the server takes, no more (spam is a label)
BAN_LENGTHS = ("24h", "7d", "30d", "permanent")


def moderator(me: Principal = Depends(signed_in)) -> Principal:
    if me.role != "moderator":
        raise Forbidden("the moderator console needs a moderator account", "role")
    return me


@router.get("")
def queue(request: Request, me: Principal = Depends(moderator)) -> HTMLResponse:
    return page(request, "mod_queue.html", title="Moderation queue",
                items=service_of(request).mod_queue())


@router.get("/groups")
def groups(request: Request, me: Principal = Depends(moderator)) -> HTMLResponse:
    """Every group: its owner, members, pending entries and reports; close or reopen."""
    return page(request, "mod_groups.html", title="Groups",
                groups=service_of(request).group_moderation.all())


@router.post("/groups/{group_id}/{action}")
def group_action(action: str, request: Request, group_id: int = id_path(),
                 form: dict[str, str] = Depends(checked_form),
                 me: Principal = Depends(moderator)) -> Response:
    if action not in ("close", "reopen"):
        raise NotFound("no such page", "action")
    service_of(request).group_moderation.set_closed(group_id, action == "close", me.handle,
                                                    form.get("reason") or None)
    return redirect("/mod/groups")


@router.get("/models")
def models(request: Request, me: Principal = Depends(moderator)) -> HTMLResponse:
    """The learned models in force, the labels they rest on, their cross-validated figures."""
    state = service_of(request).models.status()
    for model in state["models"].values():
        if isinstance(model.get("trained_at"), int | float):
            model["trained_utc"] = datetime.fromtimestamp(model["trained_at"], UTC).strftime(
                "%Y-%m-%d %H:%M UTC")
    return page(request, "mod_models.html", title="Text models", state=state)


@router.get("/find")
def find(request: Request, handle: str = "", me: Principal = Depends(moderator)) -> Response:
    handle = handle.strip().removeprefix("@")
    return redirect(f"/mod/accounts/{handle}" if handle else "/mod")


def _account_page(request: Request, handle: str, status: int = 200,
                  error: ServiceError | None = None) -> HTMLResponse:
    service = service_of(request)
    account = service.account(handle)
    to, text = request.query_params.get("to", "").strip().removeprefix("@"), \
        request.query_params.get("text", "")
    why: dict[str, Any] | None = None
    if to:
        try:
            decision = service.why(account["handle"], to, text)
            why = {"to": to, "sendable": decision.sendable, "outcome": decision.outcome,
                   "reasons": render_all(decision.findings, "moderator"),
                   "relation": service.people.relation(account["handle"], to)}
        except ServiceError as problem:
            why = {"to": to, "error": problem}
    return page(request, "mod_account.html", status=status, title=f"@{account['handle']}",
                account=account, status_=service.status(account["handle"]),
                standing=service.standing(account["handle"]),
                explained=service.explain_restrictions(account["handle"]),
                audit=service.audit_log(account["handle"], 50), why=why, why_text=text,
                categories=STRIKE_CATEGORIES, lengths=BAN_LENGTHS, error=error)


@router.get("/accounts/{handle}")
def account(handle: str, request: Request, me: Principal = Depends(moderator)) -> HTMLResponse:
    return _account_page(request, handle)


@router.post("/accounts/{handle}/{action}")
def act(handle: str, action: str, request: Request, form: dict[str, str] = Depends(checked_form),
        me: Principal = Depends(moderator)) -> Response:
    service, reason = service_of(request), form.get("reason", "").strip() or None
    try:
        if action == "ban":
            length = form.get("length", "24h")
            try:
                seconds = None if length == "permanent" else parse_duration(length)
            except ValueError as bad:
                raise Invalid(str(bad), "length") from None
            check_until(service.now(), seconds, "length")
            service.ban(handle, seconds, form.get("scope", "messaging"), me.handle, reason)
        elif action == "unban":
            service.unban(handle, me.handle, reason)
        elif action == "strike":
            service.strike(handle, form.get("category", ""), me.handle, reason)
        elif action == "flag":
            service.flag(handle, me.handle, reason)
        elif action == "unflag":
            service.unflag(handle, me.handle, reason)
        elif action == "resolve-reports":
            verdict = form.get("verdict") or None  # upheld / dismissed: the messages become labels
            service.resolve_reports(handle, me.handle, reason, verdict)
        else:
            raise NotFound("no such moderator action", "action")
    except NotFound:
        raise
    except ServiceError as error:
        return _account_page(request, handle, error.status, error)
    return redirect(safe_next(form.get("next"), f"/mod/accounts/{handle}"), "done")


@router.post("/held/{message_id}/release")
def release(request: Request, message_id: int = id_path(), form: dict[str, str] = Depends(checked_form),
            me: Principal = Depends(moderator)) -> Response:
    service_of(request).release(message_id, me.handle)
    return redirect("/mod#held", "done")


@router.post("/held/{message_id}/confirm")
def confirm_held(request: Request, message_id: int = id_path(),
                 form: dict[str, str] = Depends(checked_form),
                 me: Principal = Depends(moderator)) -> Response:
    """Keep a held message held (direct or group): it leaves the queue, and the check
    that held it learns from the verdict; its sender may still appeal."""
    service_of(request).confirm_held(message_id, me.handle)
    return redirect("/mod#held", "done")


@router.post("/messages/{message_id}/label")
def label(request: Request, message_id: int = id_path(), form: dict[str, str] = Depends(checked_form),
          me: Principal = Depends(moderator)) -> Response:
    """A moderator's spam verdict on a reported message: the spam model learns from it."""
    verdict = form.get("verdict")
    if verdict not in ("spam", "not_spam"):
        raise Invalid("verdict must be spam or not_spam", "verdict")
    service_of(request).label_message(message_id, verdict == "spam", me.handle)
    return redirect("/mod", "labelled")


@router.post("/appeals/{appeal_id}")
def decide(request: Request, appeal_id: int = id_path(), form: dict[str, str] = Depends(checked_form),
           me: Principal = Depends(moderator)) -> Response:
    service_of(request).decide_appeal(appeal_id, form.get("decision", ""), me.handle,
                                      form.get("note", "").strip() or None)
    return redirect(safe_next(form.get("next"), "/mod"), "done")


@router.get("/audit")
def audit(request: Request, handle: str = "", me: Principal = Depends(moderator)
          ) -> HTMLResponse:
    handle = handle.strip().removeprefix("@")
    entries = service_of(request).audit_log(handle or None, 200)
    return page(request, "mod_audit.html", title="Audit log", entries=entries, handle=handle)
