"""Outcomes carried across a redirect-after-POST, in the query string.

A form that changes something answers 303 to a page the browser can reload; what the
change answered (each person's result when putting people in a group, or why a
group was not made) rides along as one signed, short-lived value. It holds reasons
already in the sender's view (masked as that view requires), so the page never shows
more than the form's own answer did.

Signed with an HMAC keyed by the browser's session token, like the CSRF token:
nothing is stored, any node can read it, and a link made by anyone else (or for
another session, or older than FLASH_TTL, or for another page) shows nothing."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import zlib
from collections.abc import Iterable
from typing import Any

from fastapi import Request

from sendable.reasons import CATALOGUE, Finding, render
from sendable.web.session import session_token

FLASH_TTL = 600.0  # seconds a carried outcome stays readable
MAX_RAW = 12_000  # characters; longer values are not even decoded
_LABEL = b"sendable-web-flash"


def _now(request: Request) -> float:
    return float(request.app.state.service.now())


def _sign(token: str, body: bytes) -> str:
    return hmac.new(token.encode(), _LABEL + b"\0" + body, hashlib.sha256).hexdigest()[:32]


def pack(request: Request, kind: str, place: str, data: Any) -> str:
    """One value for the query string: `kind` and `place` (the page it is for) must
    match when it is read back."""
    token = session_token(request) or ""
    body = zlib.compress(json.dumps({"k": kind, "p": place, "at": _now(request), "d": data},
                                    separators=(",", ":")).encode())
    return f"{base64.urlsafe_b64encode(body).decode().rstrip('=')}.{_sign(token, body)}"


def unpack(request: Request, raw: str | None, kind: str, place: str) -> tuple[Any, float]:
    """(data, seconds since it was made), or (None, 0) for anything not made for this
    session, kind and page within FLASH_TTL."""
    token = session_token(request)
    if not raw or not token or len(raw) > MAX_RAW or "." not in raw:
        return None, 0.0
    encoded, _, sig = raw.rpartition(".")
    try:
        body = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError):
        return None, 0.0
    if not hmac.compare_digest(sig, _sign(token, body)):
        return None, 0.0
    try:
        value = json.loads(zlib.decompress(body))
    except (zlib.error, ValueError):
        return None, 0.0
    age = _now(request) - float(value.get("at", 0))
    if value.get("k") != kind or value.get("p") != place or not 0 <= age <= FLASH_TTL:
        return None, 0.0
    return value.get("d"), age


# -- reasons through a flash -------------------------------------------------------------

def reasons_data(findings: Iterable[Finding]) -> list[list[Any]]:
    """Sender-view findings (already masked) as compact rows."""
    return [[f.code, f.retry_after, f.until, f.appeal_target] for f in findings]


def rendered_reasons(rows: Any, age: float) -> list[dict[str, Any]]:
    """The rows back as rendered reasons, each wait shortened by the time since."""
    out = []
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, list) or len(row) != 4 or row[0] not in CATALOGUE:
            continue
        code, retry_after, until, target = row
        if isinstance(retry_after, int | float):
            left = math.ceil(retry_after - age)
            retry_after = left if left > 0 else None
        else:
            retry_after = None
        out.append(render(Finding(code, retry_after=retry_after,
                                  until=until if isinstance(until, int | float) else None,
                                  appeal_target=target if isinstance(target, str) else None)))
    return out
