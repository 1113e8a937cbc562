"""What a client checks before it talks to us, and what operators scrape."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from sendable import __version__
from sendable.api.auth import bearer_token, service_of
from sendable.api.metrics import is_operator
from sendable.api.schemas import Health, Meta
from sendable.shell.published import policy_digest

router = APIRouter(tags=["meta"])


@router.get("/v1/meta", response_model=Meta)
def meta(request: Request) -> dict[str, Any]:
    """The server's version, the oldest client it serves, and an opaque digest of its
    policy (it changes when the policy does, and tells nothing about the values)."""
    service = service_of(request)
    policy = service.policy
    return {"version": __version__, "min_client_version": policy.clients.min_version,
            "policy_digest": policy_digest(service.shell.unit, policy, service.now())}


@router.get("/healthz", response_model=Health)
def healthz(request: Request) -> dict[str, Any]:
    """Up, and the database answers."""
    service_of(request).latest_event_id(0)
    return {"ok": True}


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Prometheus metrics, in the sender's view of every code; an operator who sends
    `Authorization: Bearer <metrics token>` also gets the true codes."""
    m = request.app.state.metrics
    operator = is_operator(request.app.state.metrics_token, bearer_token(request))
    return Response(m.render(operator), media_type=m.content_type,
                    headers={"Cache-Control": "no-store"})
