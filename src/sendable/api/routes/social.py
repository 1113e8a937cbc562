"""Follows, follow requests and blocks."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Request, Response

from sendable.api.auth import current, service_of
from sendable.api.models import HANDLE
from sendable.api.schemas import Blocked, BlockState, FollowRequests, FollowState, errors
from sendable.shell.auth import Principal

router = APIRouter(tags=["social"])
Handle = Path(min_length=1, max_length=30, pattern=HANDLE)
NOT_FOUND = errors(404)


@router.put("/v1/follows/{handle}", response_model=FollowState, responses=errors(404, 409))
def follow(request: Request, handle: str = Handle,
           me: Principal = Depends(current)) -> dict[str, Any]:
    """Follow someone; a private account must approve (state `pending`)."""
    return {"handle": handle, "state": service_of(request).follow(me.handle, handle)}


@router.delete("/v1/follows/{handle}", status_code=204, responses=NOT_FOUND)
def unfollow(request: Request, handle: str = Handle,
             me: Principal = Depends(current)) -> Response:
    service_of(request).unfollow(me.handle, handle)
    return Response(status_code=204)


@router.get("/v1/follow-requests", response_model=FollowRequests)
def follow_requests(request: Request, me: Principal = Depends(current)) -> dict[str, Any]:
    """Who asked to follow your private account."""
    return {"requests": service_of(request).follow_requests(me.handle)}


@router.post("/v1/follow-requests/{handle}/approve", response_model=FollowState,
             responses=NOT_FOUND)
def approve(request: Request, handle: str = Handle,
            me: Principal = Depends(current)) -> dict[str, Any]:
    service_of(request).approve_follow(me.handle, handle)
    return {"handle": handle, "state": "following"}


@router.post("/v1/follow-requests/{handle}/decline", response_model=FollowState,
             responses=NOT_FOUND)
def decline(request: Request, handle: str = Handle,
            me: Principal = Depends(current)) -> dict[str, Any]:
    """Turn down a follow request; the asker is not told (their follow reads as pending)."""
    service_of(request).decline_follow(me.handle, handle)
    return {"handle": handle, "state": "declined"}


@router.get("/v1/blocks", response_model=Blocked)
def blocks(request: Request, me: Principal = Depends(current)) -> dict[str, Any]:
    return {"blocked": service_of(request).blocked_accounts(me.handle)}


@router.put("/v1/blocks/{handle}", response_model=BlockState, responses=errors(404, 409))
def block(request: Request, handle: str = Handle,
          me: Principal = Depends(current)) -> dict[str, Any]:
    """Block someone: follows between you go, both ways. They are not told."""
    service_of(request).block(me.handle, handle)
    return {"handle": handle, "blocked": True}


@router.delete("/v1/blocks/{handle}", status_code=204, responses=NOT_FOUND)
def unblock(request: Request, handle: str = Handle,
            me: Principal = Depends(current)) -> Response:
    service_of(request).unblock(me.handle, handle)
    return Response(status_code=204)
