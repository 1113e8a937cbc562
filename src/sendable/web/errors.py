"""Error pages that say what to do next, for pages only (the API keeps its JSON errors)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from sendable.errors import ServiceError
from sendable.web.render import page, redirect
from sendable.web.session import BadCsrf, SignInFirst

log = logging.getLogger("sendable.web")

# What each status means to a person, and what they can do about it.
HELP = {
    403: ("You can't open this page",
          "It belongs to another account or needs a moderator. Go back to your inbox."),
    404: ("We can't find that page",
          "The address may be mistyped, or the account or conversation no longer exists. "
          "Check the address or go back to your inbox."),
    409: ("That was already done",
          "Someone (maybe you, in another tab) got there first. Reload the page to see "
          "where things stand."),
    422: ("That didn't work", "Go back, correct what is named below, and try again."),
    429: ("Slow down a little", "Too many attempts in a short time. Wait a moment and try again."),
    500: ("Something went wrong on our side",
          "Nothing you did caused this. Try again in a moment; if it keeps happening, tell "
          "us the request id below."),
}


def error_page(request: Request, status: int, detail: str | None = None,
               title: str | None = None, advice: str | None = None) -> Response:
    default_title, default_advice = HELP.get(status, HELP[422 if status < 500 else 500])
    return page(request, "error.html", status=status, title=title or default_title,
                advice=advice or default_advice, detail=detail, status_code=status,
                request_id=request.scope.get("request_id", ""),
                unread={} if status >= 500 else None)  # a failing store: don't ask it again


def _handle(request: Request, error: Exception) -> Response:
    if isinstance(error, SignInFirst):
        target = request.url.path if request.method == "GET" else "/inbox"
        return redirect(f"/login?next={quote(target)}")
    if isinstance(error, BadCsrf):
        return error_page(request, 403, title="This form has expired",
                          advice="The page was open too long, or you signed in or out in "
                                 "another tab. Go back, reload the page, and send it again.")
    if isinstance(error, ServiceError):
        return error_page(request, error.status, error.message)
    if isinstance(error, RequestValidationError):
        return error_page(request, 404)  # a malformed id in a path names nothing
    if isinstance(error, HTTPException):
        return error_page(request, error.status_code, None if error.status_code == 404
                          else str(error.detail))
    log.exception("page failed (request_id %s)", request.scope.get("request_id", ""))
    return error_page(request, 500)


class PageRoute(APIRoute):
    """A route whose failures render as pages (the app's handlers answer in JSON)."""

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as error:  # noqa: BLE001 - every failure becomes a page
                return _handle(request, error)

        return run


def wants_page(request: Request) -> bool:
    path = request.url.path
    return ("text/html" in request.headers.get("accept", "")
            and not path.startswith(("/v1/", "/metrics", "/healthz", "/openapi", "/docs")))


def install_not_found(app: FastAPI) -> None:
    """Unknown addresses asked for by a browser get the 404 page; the rest, the API's JSON."""
    api_handler: Any = app.exception_handlers.get(HTTPException)

    async def not_found(request: Request, error: HTTPException) -> Response:
        if error.status_code in (404, 405) and wants_page(request):
            return error_page(request, 404)
        if api_handler is None:
            raise error
        return await api_handler(request, error)

    app.add_exception_handler(HTTPException, not_found)
