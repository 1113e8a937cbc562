"""Security headers on every HTTP answer: JSON, static files and errors as well as pages.

Pages set their own (web/render.py: a full Content-Security-Policy); this pure ASGI
middleware adds what an answer lacks:

- `X-Content-Type-Options: nosniff`: a browser takes the content type as given;
- `X-Frame-Options: DENY` and, without a policy of its own, `Content-Security-Policy:
  frame-ancestors 'none'`: no other site can frame it;
- `Referrer-Policy: same-origin`;
- `Cache-Control: no-store` on JSON answering a request that carried credentials
  (a bearer token or the session cookie): what is private to an account stays out of
  shared and browser caches.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sendable.page_session import SESSION_COOKIE

_ALWAYS = ((b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
           (b"content-security-policy", b"frame-ancestors 'none'"),
           (b"referrer-policy", b"same-origin"))
_COOKIE = SESSION_COOKIE.encode() + b"="


def credentialed(scope: Scope) -> bool:
    """Whether the request carried credentials (a bearer token or the session cookie)."""
    for name, value in scope["headers"]:
        if name == b"authorization" or (name == b"cookie" and _COOKIE in value):
            return True
    return False


def secured(headers: list[tuple[bytes, bytes]],
            credentialed: bool) -> list[tuple[bytes, bytes]]:
    """An answer's headers with the ones it lacks of those above."""
    present = {name.lower() for name, _ in headers}
    headers += [(n, v) for n, v in _ALWAYS if n not in present]
    if credentialed and b"cache-control" not in present and any(
            n.lower() == b"content-type" and v.startswith(b"application/json")
            for n, v in headers):
        headers.append((b"cache-control", b"no-store"))
    return headers


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with_credentials = credentialed(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = secured(list(message.get("headers", [])),
                                             with_credentials)
            await send(message)

        await self.app(scope, receive, send_with_headers)
