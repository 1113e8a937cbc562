"""The console's policy lab (/mod/lab): upload a candidate policy and backtest it over
the attempt log, run it in shadow, promote it, revert to the previous policy."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from sendable.durations import parse_duration
from sendable.errors import Invalid, ServiceError
from sendable.lab.report import OUTCOMES, matrix_rows
from sendable.shell.auth import Principal
from sendable.shell.lab import parse_candidate
from sendable.web.console import moderator
from sendable.web.errors import PageRoute
from sendable.web.pages import service_of
from sendable.web.render import page, redirect
from sendable.web.session import checked_form

router = APIRouter(prefix="/mod/lab", route_class=PageRoute, include_in_schema=False)
MAX_POLICY = 64 * 1024


def _lab_page(request: Request, status: int = 200, **context: Any) -> HTMLResponse:
    service = service_of(request)
    return page(request, "mod_lab.html", status=status, title="Policy lab",
                live=service.policy.digest(), history=service.lab.history(20),
                shadow=service.lab.shadow_state(), log=service.lab.log_size(),
                outcomes=OUTCOMES, **context)


async def _candidate_text(request: Request, form: dict[str, str]) -> str:
    """The candidate's TOML: an uploaded file, else the text box."""
    upload = (await request.form()).get("candidate")
    text = ""
    if upload is not None and not isinstance(upload, str):
        data = await upload.read(MAX_POLICY + 1)
        if len(data) > MAX_POLICY:
            raise Invalid("the policy file is over 64 KiB", "candidate")
        try:
            text = data.decode()
        except UnicodeDecodeError:
            raise Invalid("the policy file is not UTF-8 text", "candidate") from None
    text = text or form.get("policy", "")
    if not text.strip():
        raise Invalid("upload a policy file or paste one", "candidate")
    return text


@router.get("")
def lab(request: Request, me: Principal = Depends(moderator)) -> HTMLResponse:
    return _lab_page(request)


@router.post("/backtest")
async def backtest(request: Request, form: dict[str, str] = Depends(checked_form),
                   me: Principal = Depends(moderator)) -> Response:
    service = service_of(request)
    since_text = form.get("since", "7d").strip() or "7d"
    try:
        text = await _candidate_text(request, form)
        candidate = parse_candidate(text)
        try:
            span = parse_duration(since_text)
        except ValueError as bad:
            raise Invalid(str(bad), "since") from None
        now = service.now()
        # A long period takes seconds: off the event loop, so other pages keep answering.
        report = await run_in_threadpool(service.lab.backtest, candidate, now - span,
                                         now + 1, None, "candidate")
    except ServiceError as error:
        return _lab_page(request, error.status, error=error, since=since_text,
                         policy_text=form.get("policy", ""))
    return _lab_page(request, report=report, matrix=matrix_rows(report), policy_text=text,
                     since=since_text, candidate_digest=candidate.digest())


@router.post("/promote")
async def promote(request: Request, form: dict[str, str] = Depends(checked_form),
                  me: Principal = Depends(moderator)) -> Response:
    """Promote the candidate in the form, or (with none) the shadow policy."""
    service = service_of(request)
    text = form.get("policy", "")
    try:
        service.lab.promote(parse_candidate(text) if text.strip() else None, me.handle)
    except ServiceError as error:
        return _lab_page(request, error.status, error=error)
    return redirect("/mod/lab", "done")


@router.post("/revert")
def revert(request: Request, form: dict[str, str] = Depends(checked_form),
           me: Principal = Depends(moderator)) -> Response:
    service_of(request).lab.revert(me.handle)
    return redirect("/mod/lab", "done")


@router.post("/shadow")
async def shadow(request: Request, form: dict[str, str] = Depends(checked_form),
                 me: Principal = Depends(moderator)) -> Response:
    service = service_of(request)
    try:
        candidate = parse_candidate(await _candidate_text(request, form))
        service.lab.start_shadow(candidate, me.handle, source="console")
    except ServiceError as error:
        return _lab_page(request, error.status, error=error)
    return redirect("/mod/lab#shadow", "done")


@router.post("/shadow/stop")
def stop_shadow(request: Request, form: dict[str, str] = Depends(checked_form),
                me: Principal = Depends(moderator)) -> Response:
    service_of(request).lab.stop_shadow(me.handle)
    return redirect("/mod/lab", "done")
