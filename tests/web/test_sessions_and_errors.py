"""Cookies, CSRF and error pages, over plain HTTP against the real server."""

from __future__ import annotations

import re

import httpx
import pytest

HTML = {"Accept": "text/html"}


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


@pytest.fixture
def browserish(server):  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=server.url, headers=HTML, timeout=10) as client:
        yield client


def sign_up(client: httpx.Client, handle: str, password: str) -> str:
    """Sign up through the form; returns the page's CSRF token once signed in."""
    token = csrf_of(client.get("/signup").text)
    r = client.post("/signup", data={"csrf": token, "handle": handle, "password": password,
                                     "birthdate": "1990-04-01"})
    assert r.status_code == 303 and r.headers["location"] == "/inbox", r.text
    return csrf_of(client.get("/inbox").text)


def test_session_cookie_is_httponly_lax_and_a_real_api_session(browserish, ui) -> None:
    handle = ui.unique("cookie")
    sign_up(browserish, handle, ui.password)
    cookie = next(c for c in browserish.cookies.jar if c.name == "sendable_session")
    assert cookie.has_nonstandard_attr("HttpOnly")
    assert cookie.get_nonstandard_attr("SameSite").lower() == "lax"
    assert not cookie.secure  # plain http on loopback
    # The same sessions table as the API: the cookie's token is a bearer token.
    me = httpx.get(f"{browserish.base_url}/v1/me",
                   headers={"Authorization": f"Bearer {cookie.value}"})
    assert me.status_code == 200 and me.json()["handle"] == handle

    csrf = csrf_of(browserish.get("/inbox").text)
    out = browserish.post("/logout", data={"csrf": csrf})
    assert out.status_code == 303 and out.headers["location"].startswith("/login")
    assert "sendable_session" not in browserish.cookies
    gone = httpx.get(f"{browserish.base_url}/v1/me",
                     headers={"Authorization": f"Bearer {cookie.value}"})
    assert gone.status_code == 401  # logging out revoked the session itself


def test_cookie_is_secure_behind_https(server, ui) -> None:
    """Behind a TLS-terminating proxy on loopback (X-Forwarded-Proto), cookies get Secure."""
    with httpx.Client(base_url=server.url, timeout=10,
                      headers={**HTML, "X-Forwarded-Proto": "https"}) as client:
        page = client.get("/login")
        assert "secure" in page.headers["set-cookie"].lower()
        # (the Secure cookie is not sent back over this plain-http test link by itself)
        client.cookies.set("sendable_csrf", page.cookies["sendable_csrf"])
        r = client.post("/signup", data={"csrf": csrf_of(page.text), "handle": ui.unique("tls"),
                                         "password": ui.password, "birthdate": "1990-04-01"})
        assert r.status_code == 303
        assert "secure" in r.headers["set-cookie"].lower()


def test_every_form_needs_its_csrf_token(browserish, server, ui) -> None:
    # Signed out: the log-in form's token must match its cookie.
    assert browserish.post("/login", data={"handle": "x", "password": "y"}).status_code == 403
    wrong = browserish.post("/login", data={"csrf": "forged", "handle": "x", "password": "y"})
    assert wrong.status_code == 403 and "This form has expired" in wrong.text

    other = ui.unique("victim")
    csrf = sign_up(browserish, ui.unique("csrf"), ui.password)
    with httpx.Client(base_url=server.url, headers=HTML) as stranger:
        sign_up(stranger, other, ui.password)
    # A form posted without the token (as another site would) changes nothing.
    forged = browserish.post("/settings", data={"who_can_message": "nobody"})
    assert forged.status_code == 403
    assert 'value="everyone" checked' in browserish.get("/settings").text
    assert browserish.post(f"/people/{other}/block", data={"csrf": csrf + "x"}).status_code == 403
    assert f"@{other}" not in browserish.get("/settings").text
    ok = browserish.post("/settings", data={"csrf": csrf, "who_can_message": "nobody"})
    assert ok.status_code == 303
    assert 'value="nobody" checked' in browserish.get("/settings").text
    # Tokens are per session: a new session's pages carry a different one.
    with httpx.Client(base_url=server.url, headers=HTML) as again:
        assert sign_up(again, ui.unique("csrf"), ui.password) != csrf


def test_error_pages_say_what_to_do(browserish, ui) -> None:
    r = browserish.get("/inbox")
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/inbox"

    missing = browserish.get("/no/such/page")
    assert missing.status_code == 404 and "We can&#39;t find that page" in missing.text
    assert "text/html" in missing.headers["content-type"]
    api = browserish.get("/v1/no-such-endpoint", headers={"Accept": "application/json"})
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"

    csrf = csrf_of(browserish.get("/signup").text)
    bad = browserish.post("/signup", data={"csrf": csrf, "handle": "has space",
                                            "password": ui.password})
    assert bad.status_code == 422  # the form again, the field named and marked
    assert 'aria-invalid="true" aria-describedby="handle-hint handle-error"' in bad.text
    assert 'id="handle-error">Handle must be' in bad.text

    sign_up(browserish, ui.unique("member"), ui.password)
    forbidden = browserish.get("/mod")
    assert forbidden.status_code == 403 and "needs a moderator account" in forbidden.text
    nobody = browserish.get("/with/nobody_here_at_all")
    assert nobody.status_code == 404 and "No account @nobody_here_at_all" in nobody.text


def test_a_single_message_is_reported_from_the_conversation(server, ui) -> None:
    sender, victim = ui.unique("rude"), ui.unique("victim")
    with httpx.Client(base_url=server.url, headers=HTML, timeout=10) as a, \
            httpx.Client(base_url=server.url, headers=HTML, timeout=10) as b:
        csrf_a = sign_up(a, sender, ui.password)
        sign_up(b, victim, ui.password)
        sent = a.post(f"/with/{victim}/send", data={"csrf": csrf_a, "text": "you are a clown"})
        assert sent.status_code == 303
        page = b.get(f"/with/{sender}").text
        message_id = re.search(r'name="message_id" value="(\d+)"', page).group(1)
        r = b.post(f"/people/{sender}/report",
                   data={"csrf": csrf_of(page), "message_id": message_id, "reason": "harassment"})
        assert r.status_code == 303 and "notice=reported" in r.headers["location"]
        bad = b.post(f"/people/{sender}/report",
                     data={"csrf": csrf_of(page), "message_id": "x1", "reason": "spam"})
        assert bad.status_code == 422
    with httpx.Client(base_url=server.url, timeout=10) as api:
        token = api.post("/v1/sessions", json={"handle": ui.mod_handle,
                                               "password": ui.mod_password}).json()["token"]
        items = api.get("/v1/mod/queue", headers={"Authorization": f"Bearer {token}"}).json()
        reported = [x for x in items["items"] if x["kind"] == "reports"
                    and int(message_id) in x.get("message_ids", [])]
        assert reported and reported[0]["messages"][0]["text"] == "you are a clown"
