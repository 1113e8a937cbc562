"""How a page's scripts prove who they are without the session token in the page.

A signed-in browser holds its session token in an HttpOnly cookie that scripts cannot
read. Its pages carry instead a CSRF token derived from the session (an HMAC: per
session, nothing stored). A script that sends the cookie (same origin) and the CSRF
token in the `X-Sendable-CSRF` header is the page's own: a page on another site can
send the cookie but cannot know the token, nor set the header without a preflight.
The web pages (forms) and the API (page scripts' JSON calls) both check it here.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

SESSION_COOKIE = "sendable_session"
CSRF_HEADER = "x-sendable-csrf"


def csrf_for(session_token: str) -> str:
    """The CSRF token of a session."""
    return hmac.new(session_token.encode(), b"sendable-web-csrf", hashlib.sha256).hexdigest()


def page_token(cookies: Mapping[str, str], headers: Mapping[str, str]) -> str | None:
    """The session token of a page script's request: the cookie's, when the request
    also carries that session's CSRF token; otherwise None."""
    token = cookies.get(SESSION_COOKIE)
    sent = headers.get(CSRF_HEADER)
    if not token or not sent:
        return None
    return token if hmac.compare_digest(sent.encode(), csrf_for(token).encode()) else None
