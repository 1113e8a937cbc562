"""The app factory: `create_app(service)` wires routes, errors, metrics, the stream."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from sendable import __version__, web
from sendable.api import errors, openapi
from sendable.api.fastsend import FastSend
from sendable.api.headers import SecurityHeaders
from sendable.api.metrics import Metrics, operator_token
from sendable.api.observe import RequestObserver
from sendable.api.responses import JSON
from sendable.api.routes import (
    accounts,
    contacts,
    groups,
    messages,
    meta,
    mod,
    safety,
    session_tools,
    social,
)
from sendable.api.shadow_metrics import ShadowCollector
from sendable.api.stream import EventReader, LocalNotifier
from sendable.api.stream import router as stream_router
from sendable.api.writer import Writer
from sendable.service import Service
from sendable.shell.auth import Auth

MAX_BODY = 64 * 1024
# FastAPI's own OpenTelemetry hooks (newer versions) look up the global providers on
# every request; /metrics and the request log are ours, so they stay off.
_NO_TELEMETRY: dict = ({"telemetry": {"tracing": False, "metrics": False, "logs": False}}
                       if "telemetry" in inspect.signature(FastAPI.__init__).parameters else {})


def create_app(service: Service, *, auth: Auth | None = None, poll_seconds: float = 2.0,
               max_body: int = MAX_BODY, fanout_uri: str | None = None,
               metrics_token: str | None = None) -> FastSend:
    """An ASGI app over `service`. `poll_seconds` bounds how late a stream sees events
    written by another node when no shared notifier wakes it; `fanout_uri` (a Redis
    URL) is that notifier: other nodes' commits wake streams here at once."""
    notifier = LocalNotifier()
    service.add_event_listener(notifier.wake)
    fanout = None
    if fanout_uri:
        from sendable.api.fanout import RedisFanout

        fanout = RedisFanout(fanout_uri, notifier)
        service.add_event_listener(fanout.publish)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        notifier.bind(asyncio.get_running_loop())
        if fanout is not None:
            await fanout.start()
        yield
        app.state.writer.shutdown()
        app.state.event_reader.shutdown()
        if fanout is not None:
            await fanout.stop()

    app = FastAPI(title="sendable", version=__version__, lifespan=lifespan,
                  default_response_class=JSON, **_NO_TELEMETRY,
                  docs_url=None, redoc_url=None,  # served by api/openapi.py, no CDN
                  description="Direct messages that explain every send attempt. "
                              "Auth: `Authorization: Bearer <token>` from POST /v1/sessions.")
    app.state.service = service
    app.state.auth = auth or Auth(service)
    app.state.metrics = Metrics()
    app.state.metrics_token = metrics_token or operator_token()
    app.state.metrics.registry.register(ShadowCollector(service))  # the policy lab's
    app.state.notifier = notifier
    app.state.event_reader = EventReader(service)
    app.state.writer = Writer(service, on_batch=app.state.metrics.send_batches.observe)
    app.state.poll_seconds = poll_seconds
    errors.install(app)
    for module in (accounts, social, messages, groups, safety, mod, meta, contacts,
                   session_tools):
        app.include_router(module.router)
    app.include_router(stream_router)
    openapi.install(app)
    web.mount(app)  # the pages at / (sendable.web)
    app.add_middleware(RequestObserver, metrics=app.state.metrics, max_body=max_body,
                       larger=dict.fromkeys(contacts.UPLOAD_PATHS, contacts.MAX_UPLOAD_BODY))
    app.add_middleware(SecurityHeaders)  # on every answer, errors' too
    # Outside them all: the common send, answered with what they would have added.
    return FastSend(app, max_body)
