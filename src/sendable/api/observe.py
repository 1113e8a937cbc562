"""Per-request plumbing: a request id, latency metrics and one log line; and the logs.

A pure ASGI middleware (no per-request task or body buffering). The request id
comes from an incoming `X-Request-ID` when it looks sane, else a fresh one; it is
echoed in the response header, in every error body and in the log lines.

Every log line of the server (requests, errors, uvicorn's own) goes to stderr as
one JSON object with `timestamp` (ISO 8601, UTC), `level`, `logger`, `message`
and `request_id` when a request is being served, or as a line for people with
`sendable serve --log-format text`.
"""

from __future__ import annotations

import contextvars
import itertools
import logging
import re
import secrets
import time
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sendable.api.metrics import Metrics

access_log = logging.getLogger("sendable.access")
error_log = logging.getLogger("sendable.api")
_SANE_ID = re.compile(rb"^[A-Za-z0-9._-]{1,64}$")
# Request ids: a random prefix per process and a counter (cheaper than uuid4 per request).
_PREFIX = secrets.token_hex(4) + "-"
_serial = itertools.count(1)
# The request being served, for every log line written while it is.
current_request: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "sendable_request_id", default=None)


def assign_request_id(scope: Scope, incoming: bytes | None) -> str:
    """The request's id (an incoming X-Request-ID when it looks sane, else a fresh
    one), kept in the scope where error bodies and logs find it."""
    rid = (incoming.decode() if incoming is not None and _SANE_ID.match(incoming)
           else f"{_PREFIX}{next(_serial):x}")
    scope.setdefault("state", {})["request_id"] = rid
    scope["request_id"] = rid
    return rid


def record(metrics: Metrics, scope: Scope, status: int, started: float, rid: str) -> None:
    """A served request's latency metrics and its log line."""
    seconds = time.perf_counter() - started
    matched = scope.get("route")  # its template, without path convertors
    route = (getattr(matched, "path_format", None) or getattr(matched, "path", None)
             or "unmatched")
    if scope["type"] == "http":
        metrics.request(scope["method"], route, status, seconds)
    if access_log.isEnabledFor(logging.INFO):
        method = scope.get("method", "WS")
        access_log.info("%s %s %s", method, scope["path"], status, extra={"fields": {
            "request_id": rid, "method": method, "path": scope["path"],
            "route": route, "status": status, "ms": round(seconds * 1000, 2)}})


class RequestObserver:
    def __init__(self, app: ASGIApp, metrics: Metrics, max_body: int,
                 larger: dict[str, int] | None = None) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body = max_body
        self.larger = larger or {}  # paths that take bigger bodies (a contact upload)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming, length = None, 0
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                incoming = value
            elif name == b"content-length" and value.isdigit():
                length = int(value)
        rid = assign_request_id(scope, incoming)
        token = current_request.set(rid)
        started = time.perf_counter()
        status = 500 if scope["type"] == "http" else 101
        started_response = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started_response
            if message["type"] in ("http.response.start", "websocket.http.response.start"):
                started_response = True
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            elif message["type"] == "websocket.close" and status == 101:
                status = 403 if message.get("code") == 1008 else 101
            await send(message)

        received = 0
        max_body = self.larger.get(scope["path"], self.max_body)

        async def receive_bounded() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_body:
                    raise HTTPException(413)  # FastAPI passes it on to the error handlers
            return message

        try:
            if length > max_body:
                await self._too_large(rid, send_with_id, max_body)
            else:
                await self.app(scope, receive_bounded if scope["type"] == "http" else receive,
                               send_with_id)
        except Exception as error:
            # A bug or a failed store: answered here, so the 500 carries the request id
            # like any answer, and nothing reaches the server loop, which would close
            # the connection (a client's next request on it would fail too).
            if scope["type"] != "http":
                raise
            error_log.error("unhandled error (request_id %s)", rid, exc_info=error)
            if not started_response:
                await self._server_error(rid, send_with_id)
        finally:
            record(self.metrics, scope, status, started, rid)
            current_request.reset(token)


    async def _server_error(self, rid: str, send: Send) -> None:
        body = orjson.dumps({"error": {"code": "server_error", "field": None, "request_id": rid,
                                       "message": "the server had a problem; try again "
                                                  "shortly"}})
        await send({"type": "http.response.start", "status": 500, "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def _too_large(self, rid: str, send: Send, max_body: int) -> None:
        body = orjson.dumps({"error": {"code": "too_large", "field": None, "request_id": rid,
                                       "message": f"the request body is over {max_body} "
                                                  "bytes"}})
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


class JsonFormatter(logging.Formatter):
    """One JSON object a line: timestamp, level, logger, message, request_id, and the
    record's `fields` (a request line's method, path, status, ms)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "timestamp": _timestamp(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if fields:
            line.update(fields)
        rid = line.get("request_id") or current_request.get()
        if rid:
            line["request_id"] = rid
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


class TextFormatter(logging.Formatter):
    """A line for people: `2026-06-01T12:00:00.123Z INFO GET /v1/me 200 1.2ms [rid]`."""

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", None) or {}
        text = record.getMessage()
        if "ms" in fields:
            text += f" {fields['ms']}ms"
        rid = fields.get("request_id") or current_request.get()
        line = f"{_timestamp(record.created)} {record.levelname:<7} {record.name}: {text}"
        if rid:
            line += f" [{rid}]"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def _timestamp(created: float) -> str:
    return datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds") \
        .replace("+00:00", "Z")


def configure_logging(level: int = logging.INFO, fmt: str = "json") -> None:
    """Every logger of the process to stderr in one format (json or text). Request
    lines at INFO; `level` WARNING leaves them out."""
    handler = logging.StreamHandler()
    handler.setFormatter(TextFormatter() if fmt == "text" else JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("sendable").setLevel(logging.INFO)
    access_log.handlers[:] = []
    access_log.setLevel(level)
    access_log.propagate = True
