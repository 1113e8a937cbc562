"""Page scripts call the API with the session cookie and the page's CSRF token, never
the session token (pages do not carry it): with both it is the account; with the
cookie alone, or a wrong token, it is nobody."""

from __future__ import annotations

import re

import httpx
from apikit import PASSWORD


def _signed_in_browser(base: str, handle: str) -> tuple[httpx.Client, str]:
    browser = httpx.Client(base_url=base)
    form = browser.get("/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    r = browser.post("/login", data={"handle": handle, "password": PASSWORD, "csrf": csrf})
    assert r.status_code in (302, 303), r.text
    page = browser.get("/inbox").text
    assert "sendable-token" not in page and browser.cookies["sendable_session"] not in page
    token = re.search(r'<meta name="sendable-csrf" content="([^"]+)"', page)
    assert token is not None
    return browser, token.group(1)


def test_a_page_script_is_its_account_only_with_the_pages_csrf_token(server, user) -> None:
    u, friend = user("pg"), user("pgf")
    browser, csrf = _signed_in_browser(server.url, u.handle)
    try:
        me = browser.get("/v1/me", headers={"X-Sendable-CSRF": csrf})
        assert me.status_code == 200 and me.json()["handle"] == u.handle
        assert browser.get("/v1/me").status_code == 401  # the cookie alone: another site
        assert browser.get("/v1/me", headers={"X-Sendable-CSRF": "0" * 64}).status_code == 401
        sent = browser.post("/v1/messages", headers={"X-Sendable-CSRF": csrf},
                            json={"to": friend.handle, "text": "from the page"})
        assert sent.status_code == 201, sent.text
        assert browser.post("/v1/messages", json={"to": friend.handle, "text": "forged"}
                            ).status_code == 401
        ticket = browser.post("/v1/stream/tickets", headers={"X-Sendable-CSRF": csrf})
        assert ticket.status_code == 201 and ticket.json()["ticket"]
    finally:
        browser.close()
