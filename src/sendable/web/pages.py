"""The member pages: sign up, log in, inbox, requests, conversations, privacy, standing.

Every page is a thin front end over `Service`, like the API: it reads, calls one
service method per form, and renders what comes back. Refusals are rendered in
the sender view (`render_all(..., "sender")`), so a private reason such as a
block never reaches the page.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from sendable.api.validation import id_path
from sendable.errors import Invalid, NotFound, ServiceError
from sendable.inputs import WHO_CAN_MESSAGE, check_handle, parse_id
from sendable.reasons import http_status, render_all
from sendable.service import Service
from sendable.shell.auth import MAX_PASSWORD, MIN_PASSWORD, Principal
from sendable.web import people
from sendable.web.errors import PageRoute
from sendable.web.render import page, redirect, safe_next
from sendable.web.session import (
    auth_of,
    checked_form,
    clear_session,
    session_token,
    set_session,
    signed_in,
    viewer,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)

REPORT_REASONS = ("spam", "harassment", "hate", "violence", "sexual", "self_harm", "illegal",
                  "misinformation", "other")
HISTORY = 50  # messages shown when a conversation opens


def service_of(request: Request) -> Service:
    return request.app.state.service


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


# -- signing up, in and out ------------------------------------------------------------


@router.get("/")
def home(request: Request) -> Response:
    return redirect("/inbox" if viewer(request) else "/login")


@router.get("/signup")
def signup_form(request: Request) -> Response:
    if viewer(request):
        return redirect("/inbox")
    return _signup_page(request, {})


def _signup_page(request: Request, values: dict[str, str], error: ServiceError | None = None
                 ) -> HTMLResponse:
    return page(request, "signup.html", status=error.status if error else 200,
                title="Create your account", values=values, error=error,
                min_password=MIN_PASSWORD, max_password=MAX_PASSWORD,
                min_age=service_of(request).policy.age.min_messaging_age)


@router.post("/signup")
def signup(request: Request, form: dict[str, str] = Depends(checked_form)) -> Response:
    values = {k: form.get(k, "").strip() for k in ("handle", "birthdate", "email")}
    try:
        check_handle(values["handle"])  # the fields' errors in the form's order
        if not values["birthdate"]:  # the age rules need it; an unknown age can't message
            raise Invalid("enter your date of birth: messaging has a minimum age",
                          "birthdate")
        auth_of(request).register(values["handle"], form.get("password", ""),
                                  birthdate=values["birthdate"] or None,
                                  email=values["email"] or None, address=_address(request))
        token, expires_at = auth_of(request).login(values["handle"], form.get("password", ""),
                                                   _address(request))
    except ServiceError as error:
        return _signup_page(request, values, error)
    response = redirect("/inbox")
    set_session(request, response, token, expires_at)
    return response


@router.get("/login")
def login_form(request: Request, next: str = "/inbox") -> Response:
    if viewer(request):
        return redirect(safe_next(next))
    return page(request, "login.html", title="Log in", values={}, error=None,
                next=safe_next(next))


@router.post("/login")
def login(request: Request, form: dict[str, str] = Depends(checked_form)) -> Response:
    handle, target = form.get("handle", "").strip(), safe_next(form.get("next"))
    try:
        token, expires_at = auth_of(request).login(handle, form.get("password", ""),
                                                   _address(request))
    except ServiceError as error:
        return page(request, "login.html", status=error.status, title="Log in",
                    values={"handle": handle}, error=error, next=target)
    response = redirect(target)
    set_session(request, response, token, expires_at)
    return response


@router.post("/logout")
def logout(request: Request, form: dict[str, str] = Depends(checked_form)) -> Response:
    token = session_token(request)
    if token:
        auth_of(request).logout(token)
    response = redirect("/login", "signed_out")
    clear_session(response)
    return response


# -- inbox, requests, conversations ----------------------------------------------------------


def _folders(service: Service, handle: str) -> dict[str, list[dict[str, Any]]]:
    return {f: service.conversations(handle, f) for f in ("inbox", "requests")}


@router.get("/inbox")
def inbox(request: Request, me: Principal = Depends(signed_in)) -> HTMLResponse:
    folders = _folders(service_of(request), me.handle)
    return page(request, "inbox.html", title="Inbox", folder="inbox",
                conversations=folders["inbox"], counts={k: len(v) for k, v in folders.items()},
                reasons=REPORT_REASONS)


@router.get("/requests")
def requests(request: Request, me: Principal = Depends(signed_in)) -> HTMLResponse:
    folders = _folders(service_of(request), me.handle)
    return page(request, "inbox.html", title="Message requests", folder="requests",
                conversations=folders["requests"],
                counts={k: len(v) for k, v in folders.items()}, reasons=REPORT_REASONS)


@router.get("/new")
def new_message(request: Request, to: str = "", me: Principal = Depends(signed_in)) -> Response:
    to = to.strip().removeprefix("@")
    if not to:
        return redirect("/inbox")
    return redirect(f"/with/{to}")


def _conversation_with(service: Service, me: str, other: str) -> dict[str, Any] | None:
    for folder, rows in _folders(service, me).items():
        for row in rows:
            if row["with"] == other:
                return {**row, "folder": folder}
    return None


def _conversation_page(request: Request, me: Principal, handle: str, *, status: int = 200,
                       text: str = "", refusal: list[dict[str, Any]] | None = None,
                       error: ServiceError | None = None,
                       before: int | None = None) -> HTMLResponse:
    """The newest messages (or, with `before`, the page of history before that seq), and
    the composer. Opening the newest messages marks them read."""
    service = service_of(request)
    other = service.account(handle)  # NotFound: the 404 page
    if other["id"] == me.id:
        raise Invalid("you cannot message yourself; pick someone else", "to")
    conversation = _conversation_with(service, me.handle, other["handle"])
    messages: list[dict[str, Any]] = []
    earlier = False
    if conversation:
        upto = before if before is not None else conversation["last_seq"] + 1
        messages = service.messages(me.handle, conversation["id"], limit=HISTORY + 1,
                                    before_seq=max(1, upto))
        earlier, messages = len(messages) > HISTORY, messages[-HISTORY:]
        if before is None and messages:
            service.mark_read(me.handle, conversation["id"], messages[-1]["seq"])
    return page(request, "conversation.html", status=status, title=f"@{other['handle']}",
                other=other["handle"], conversation=conversation, messages=messages,
                earlier=earlier, before=before, page_size=HISTORY,
                following=service.follow_state(me.handle, other["handle"]),
                blocked=other["handle"] in service.blocked_accounts(me.handle),
                text=text, refusal=refusal, error=error, reasons=REPORT_REASONS,
                client_msg_id=secrets.token_urlsafe(12))


@router.get("/with/{handle}")
def conversation(handle: str, request: Request, before: int | None = None,
                 me: Principal = Depends(signed_in)) -> HTMLResponse:
    if before is not None and before < 1:
        raise Invalid("before must be 1 or more", "before")
    return _conversation_page(request, me, handle, before=before)


@router.post("/with/{handle}/send")
def send(handle: str, request: Request, form: dict[str, str] = Depends(checked_form),
         me: Principal = Depends(signed_in)) -> Response:
    text = form.get("text", "")
    pending = _conversation_with(service_of(request), me.handle, handle.removeprefix("@"))
    was_request = bool(pending and pending["folder"] == "requests")
    try:
        result = service_of(request).send(me.handle, handle, text,
                                          client_msg_id=form.get("client_msg_id") or None)
    except NotFound:
        raise
    except ServiceError as error:
        return _conversation_page(request, me, handle, status=error.status, text=text,
                                  error=error)
    if result.outcome == "refused":
        findings = list(result.decision.findings)
        return _conversation_page(request, me, handle, status=http_status(findings), text=text,
                                  refusal=render_all(findings, "sender"))
    notice = "replied" if was_request and result.outcome == "delivered" else result.outcome
    if result.outcome == "held" and result.decision.findings:
        notice = f"held:{result.decision.findings[0].code}"
    return redirect(f"/with/{handle}#composer", notice)


@router.post("/requests/{conversation_id}/{choice}")
def answer_request(choice: str, request: Request, conversation_id: int = id_path(),
                   form: dict[str, str] = Depends(checked_form),
                   me: Principal = Depends(signed_in)) -> Response:
    service = service_of(request)
    if choice == "accept":
        service.accept_conversation(me.handle, conversation_id)
        other = next((c["with"] for c in service.conversations(me.handle, "inbox")
                      if c["id"] == conversation_id), None)
        return redirect(f"/with/{other}" if other else "/inbox", "accepted")
    if choice == "decline":
        service.decline_conversation(me.handle, conversation_id)
        return redirect("/requests", "declined")
    raise NotFound("no such answer to a request", "choice")


# -- people: follow, block, report -------------------------------------------------------


@router.post("/people/{handle}/{action}")
def person(handle: str, action: str, request: Request,
           form: dict[str, str] = Depends(checked_form),
           me: Principal = Depends(signed_in)) -> Response:
    service, back = service_of(request), safe_next(form.get("next"), f"/with/{handle}")
    if action == "follow":
        notice = service.follow(me.handle, handle)
    elif action == "unfollow":
        service.unfollow(me.handle, handle)
        notice = "unfollowed"
    elif action == "block":
        service.block(me.handle, handle)
        notice, back = "blocked", safe_next(form.get("next"), "/inbox")
    elif action == "unblock":
        service.unblock(me.handle, handle)
        notice = "unblocked"
    elif action == "report":  # the account, or one message of theirs
        message_id = form.get("message_id", "")
        if message_id:
            service.report(me.handle, form.get("reason", ""),
                           message_id=parse_id(message_id, "message_id"))
        else:
            service.report(me.handle, form.get("reason", ""), of=handle)
        notice = "reported"
    else:
        raise NotFound("no such action", "action")
    return redirect(back, notice)


# -- privacy settings ----------------------------------------------------------------------


def _settings_page(request: Request, me: Principal, status: int = 200,
                   error: ServiceError | None = None) -> HTMLResponse:
    service = service_of(request)
    return page(request, "settings.html", status=status, title="Privacy settings",
                account=service.account(me.handle), choices=WHO_CAN_MESSAGE,
                blocked=service.blocked_accounts(me.handle),
                follow_requests=service.follow_requests(me.handle), error=error,
                min_age=service.policy.age.min_messaging_age,
                **people.settings_context(service, me.handle))


@router.get("/settings")
def settings(request: Request, me: Principal = Depends(signed_in)) -> HTMLResponse:
    return _settings_page(request, me)


@router.post("/settings")
def save_settings(request: Request, form: dict[str, str] = Depends(checked_form),
                  me: Principal = Depends(signed_in)) -> Response:
    try:
        service_of(request).update_settings(me.handle, form.get("who_can_message"),
                                            form.get("private") == "on")
    except ServiceError as error:
        return _settings_page(request, me, error.status, error)
    return redirect("/settings", "settings")


@router.post("/settings/birthdate")
def give_birthdate(request: Request, form: dict[str, str] = Depends(checked_form),
                   me: Principal = Depends(signed_in)) -> Response:
    try:
        service_of(request).give_birthdate(me.handle, form.get("birthdate", ""))
    except ServiceError as error:
        return _settings_page(request, me, error.status, error)
    return redirect("/settings", "birthdate")


@router.post("/settings/follow-requests/{handle}/approve")
def approve_follow(handle: str, request: Request, form: dict[str, str] = Depends(checked_form),
                   me: Principal = Depends(signed_in)) -> Response:
    service_of(request).approve_follow(me.handle, handle)
    return redirect("/settings#follow-requests", "approved")


@router.post("/settings/follow-requests/{handle}/decline")
def decline_follow(handle: str, request: Request, form: dict[str, str] = Depends(checked_form),
                   me: Principal = Depends(signed_in)) -> Response:
    service_of(request).decline_follow(me.handle, handle)
    return redirect("/settings#follow-requests", "follow_declined")


# -- account standing and appeals ---------------------------------------------------------------


def _standing_page(request: Request, me: Principal, status: int = 200,
                   error: ServiceError | None = None, values: dict[str, str] | None = None
                   ) -> HTMLResponse:
    service = service_of(request)
    return page(request, "standing.html", status=status, title="Account standing",
                standing=service.standing(me.handle), error=error, values=values or {},
                account=service.account(me.handle))


@router.get("/standing")
def standing(request: Request, me: Principal = Depends(signed_in)) -> HTMLResponse:
    return _standing_page(request, me)


@router.post("/standing/appeals")
def appeal(request: Request, form: dict[str, str] = Depends(checked_form),
           me: Principal = Depends(signed_in)) -> Response:
    try:
        service_of(request).appeal(me.handle, form.get("target", ""), form.get("statement", ""))
    except ServiceError as error:
        return _standing_page(request, me, error.status, error, form)
    return redirect("/standing#appeals", "appealed")


@router.post("/standing/verification")
def verification(request: Request, form: dict[str, str] = Depends(checked_form),
                 me: Principal = Depends(signed_in)) -> Response:
    """Email a verification code (to a new address if one is given), or confirm a code."""
    service = service_of(request)
    try:
        if form.get("code"):
            if not service.confirm_verification(me.handle, form["code"]):
                raise Invalid("that code is wrong or has expired; ask for a new one", "code")
            return redirect("/standing", "verified")
        if form.get("email"):
            service.set_email(me.handle, form["email"])
        service.start_verification(me.handle)
    except ServiceError as error:
        return _standing_page(request, me, error.status, error, form)
    return redirect("/standing#verification", "verification_sent")
