"""Every error the API gives has one shape, names the field when there is one, and
carries the request id that the request log line has too.

- A refused send: `{"error": {<primary reason>, "request_id"}, "reasons": [...]}`
  in the sender view, with the status of its reason (docs/reasons.md).
- Anything else: `{"error": {"code", "message", "field", "request_id"}}`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request, routing
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from sendable.api.responses import JSON
from sendable.errors import ServiceError, Throttled
from sendable.reasons import Finding, http_status, render_all

log = logging.getLogger("sendable.api")

_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "bad_media_type",
          422: "invalid", 429: "throttled", 500: "server_error", 501: "not_available",
          503: "unavailable"}


def request_id(request: Request) -> str:
    return getattr(request.state, "request_id", "") or request.scope.get("request_id", "")


def error_response(request: Request, status: int, message: str, field: str | None = None,
                   headers: dict[str, str] | None = None, **extra: Any) -> JSON:
    body = {"error": {"code": _CODES.get(status, "error"), "message": message, "field": field,
                      "request_id": request_id(request)}, **extra}
    return JSON(body, status_code=status, headers=headers)


def refusal_response(request: Request, findings: Sequence[Finding]) -> JSON:
    """A refused send in the sender view: private reasons never leave the server."""
    reasons = render_all(findings, "sender")
    status = http_status(list(findings))
    headers = {}
    waits = [r["retry_after"] for r in reasons]
    if waits and all(w is not None for w in waits):  # trying later can only help if all pass
        headers["Retry-After"] = str(max(waits))
    body = {"error": {**reasons[0], "request_id": request_id(request)}, "reasons": reasons}
    return JSON(body, status_code=status, headers=headers)


def service_error_response(request: Request, error: ServiceError) -> JSON:
    headers = None
    if isinstance(error, Throttled):  # the wait in the body too, for clients reading JSON
        headers = {"Retry-After": str(error.retry_after)}
        body = {"error": {"code": _CODES[429], "message": error.message, "field": error.field,
                          "retry_after": error.retry_after, "request_id": request_id(request)}}
        return JSON(body, status_code=429, headers=headers)
    if error.status == 401:
        headers = {"WWW-Authenticate": "Bearer"}
    return error_response(request, error.status, error.message, error.field, headers)


def unexpected_response(request: Request, error: Exception) -> JSON:
    log.error("unhandled error (request_id %s)", request_id(request), exc_info=error)
    return error_response(request, 500, "the server had a problem; try again shortly")


def _field(loc: Sequence[Any]) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or None


def allowed_methods(request: Request) -> str:
    """Every method some route serves at this path (Starlette's 405 names only the
    first route whose path matches)."""
    iterate = getattr(routing, "iter_route_contexts", None)  # FastAPI 0.140 and later
    methods: set[str] = set()
    for route in (iterate(request.app.routes) if iterate else request.app.routes):
        regex = getattr(route, "path_regex", None)
        if regex is not None and route.methods and regex.match(request.scope["path"]):
            methods |= set(route.methods)
    return ", ".join(sorted(methods))


def install(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def service_error(request: Request, error: ServiceError) -> JSON:
        return service_error_response(request, error)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> JSON:
        problems = [{"field": _field(e.get("loc", ())), "message": e.get("msg", "invalid")}
                    for e in error.errors()]
        first = problems[0] if problems else {"field": None, "message": "invalid request"}
        message = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
        return error_response(request, 422, message, first["field"], problems=problems)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSON:
        message = error.detail if isinstance(error.detail, str) else "request failed"
        headers, field = getattr(error, "headers", None), None
        if error.status_code == 413:
            message = "the request body is too large"
        elif error.status_code == 404:
            message = "no such endpoint"
        elif error.status_code == 405:
            headers = {**(headers or {}), "Allow": allowed_methods(request)}
        elif error.status_code == 400 and "parsing the body" in message:
            message, field = "the body must be a JSON object (UTF-8)", "body"
        return error_response(request, error.status_code, message, field, headers=headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSON:
        return unexpected_response(request, error)
