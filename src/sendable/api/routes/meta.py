"""What a client checks before it talks to us, and what operators scrape."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from sendable import __version__
from sendable.api.auth import service_of
from sendable.api.schemas import Health, Meta

router = APIRouter(tags=["meta"])


@router.get("/v1/meta", response_model=Meta)
def meta(request: Request) -> dict[str, Any]:
    policy = service_of(request).policy
    return {"version": __version__, "min_client_version": policy.clients.min_version,
            "policy_digest": policy.digest()}


@router.get("/healthz", response_model=Health)
def healthz(request: Request) -> dict[str, Any]:
    """Up, and the database answers."""
    service_of(request).latest_event_id(0)
    return {"ok": True}


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    m = request.app.state.metrics
    return Response(m.render(), media_type=m.content_type)
