"""Browser sessions and CSRF for the pages.

A signed-in browser holds, in an HttpOnly cookie, a session token from the same
sessions table the API's bearer tokens live in (`Auth.login`/`authenticate`/
`logout`): one session system, two ways to carry the token.

CSRF: every form carries a token that a page on another site cannot know.
Signed in, it is an HMAC of the session token (per session, nothing stored);
signed out (the sign-up and log-in forms) it is a random value that must match a
cookie of the same value (double submit). Either way it is checked on every POST.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request, Response

from sendable.errors import ServiceError
from sendable.page_session import SESSION_COOKIE, csrf_for
from sendable.shell.auth import Auth, Principal

ANON_CSRF_COOKIE = "sendable_csrf"
CSRF_FIELD = "csrf"
_UNSET = object()


class SignInFirst(Exception):
    """A page that needs an account was asked for without one: go to the log-in page."""


class BadCsrf(Exception):
    """A form without the token its page was given (expired page, or another site)."""


def auth_of(request: Request) -> Auth:
    return request.app.state.auth


def session_token(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or None


def viewer(request: Request) -> Principal | None:
    """Who the session cookie belongs to, or None (no cookie, expired, signed out)."""
    known = getattr(request.state, "viewer", _UNSET)
    if known is not _UNSET:
        return known
    token, me = session_token(request), None
    if token:
        try:
            me = auth_of(request).authenticate(token)
        except ServiceError:
            me = None
    request.state.viewer = me
    return me


def signed_in(request: Request) -> Principal:
    """The signed-in account, or off to the log-in page. A page also notes the account's
    stream cursor before it reads anything, so its live updates start from there."""
    me = viewer(request)
    if me is None:
        raise SignInFirst
    if request.method == "GET":
        request.state.cursor = auth_of(request).service.latest_event_id(me.id)
    return me


def _secure(request: Request) -> bool:
    return request.url.scheme in ("https", "wss")


def set_session(request: Request, response: Response, token: str, expires_at: float) -> None:
    max_age = max(0, int(expires_at - auth_of(request).service.now()))
    response.set_cookie(SESSION_COOKIE, token, max_age=max_age, httponly=True,
                        samesite="lax", secure=_secure(request), path="/")


def clear_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")


def csrf_token(request: Request) -> str:
    """The token this request's forms must carry (see the module note)."""
    token = session_token(request) if viewer(request) else None
    if token:
        return csrf_for(token)
    anon = request.cookies.get(ANON_CSRF_COOKIE)
    if not anon:
        anon = request.state.new_anon_csrf = getattr(request.state, "new_anon_csrf",
                                                     None) or secrets.token_urlsafe(24)
    return anon


def remember_anon_csrf(request: Request, response: Response) -> None:
    """Set the signed-out CSRF cookie if this request made one up."""
    value = getattr(request.state, "new_anon_csrf", None)
    if value:
        response.set_cookie(ANON_CSRF_COOKIE, value, httponly=True, samesite="lax",
                            secure=_secure(request), path="/")


async def checked_form(request: Request) -> dict[str, str]:
    """The posted form's fields, after checking its CSRF token."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    expected = csrf_token(request)
    if not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
        raise BadCsrf
    return {k: v for k, v in form.items() if isinstance(v, str)}
