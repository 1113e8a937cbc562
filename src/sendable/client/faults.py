"""Client-side causes: what went wrong between this device and the server.

The server never produces these codes (docs/reasons.md); the client and `doctor`
classify transport faults into them so a person sees a cause and a remedy
instead of a stack trace. Texts come from `sendable.reasons.CLIENT_CAUSES`.
"""

from __future__ import annotations

import errno
import socket
import ssl
from dataclasses import dataclass, field
from typing import Any

import httpx

from sendable.reasons import CLIENT_CAUSES

_OFFLINE_ERRNOS = {errno.ENETUNREACH, errno.ENETDOWN, errno.EHOSTUNREACH}


@dataclass(frozen=True)
class Fault:
    """A client-side cause, shaped like a reason (docs/reasons.md) so front ends print
    both the same way."""

    code: str
    detail: dict[str, Any] = field(default_factory=dict)
    retry_after: int | None = None

    @property
    def cause(self) -> str:
        return CLIENT_CAUSES[self.code][0]

    @property
    def message(self) -> str:
        return CLIENT_CAUSES[self.code][1]

    @property
    def remedy(self) -> str:
        return CLIENT_CAUSES[self.code][2]

    def as_reason(self) -> dict[str, Any]:
        return {"code": self.code, "cause": self.cause, "message": self.message,
                "remedy": self.remedy, "retry_after": self.retry_after, "until": None,
                "appealable": False, "appeal_target": None, "detail": self.detail}


class FaultError(Exception):
    """Raised by client calls that cannot return their answer as data (reads): the
    fault says which cause it was."""

    def __init__(self, fault: Fault) -> None:
        super().__init__(f"{fault.code}: {fault.message} ({fault.detail.get('error', '')})")
        self.fault = fault


def _chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen and len(seen) < 16:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def classify(error: BaseException, *, via_proxy: bool = False) -> Fault:
    """The client-side cause of a transport error (httpx, websockets or OSError)."""
    detail = {"error": f"{type(error).__name__}: {error}".strip()}
    chain = _chain(error)
    if any(isinstance(e, httpx.ProxyError) for e in chain):
        return Fault("network.proxy", detail)
    if any(isinstance(e, socket.gaierror) for e in chain):
        return Fault("network.proxy" if via_proxy else "network.dns", detail)
    if any(isinstance(e, ssl.SSLError | ssl.CertificateError) for e in chain):
        return Fault("network.tls", detail)
    if any(isinstance(e, OSError) and e.errno in _OFFLINE_ERRNOS for e in chain):
        return Fault("network.offline", detail)
    if any(isinstance(e, httpx.ConnectTimeout) for e in chain):
        return Fault("network.proxy" if via_proxy else "network.connect", detail)
    if any(isinstance(e, httpx.TimeoutException | TimeoutError) for e in chain):
        return Fault("network.slow", detail)
    if via_proxy and any(isinstance(e, httpx.ConnectError | ConnectionRefusedError)
                         for e in chain):
        return Fault("network.proxy", detail)
    # Refused, reset, closed mid-answer: the server could not be (fully) reached.
    return Fault("network.connect", detail)


def server_fault(status: int, retry_after: int | None = None) -> Fault:
    return Fault("app.server_error", {"status": status}, retry_after)
