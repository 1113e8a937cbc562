"""/docs and /redoc in Chromium with every other host unreachable: both render the
API from this server alone."""

from __future__ import annotations

from urllib.parse import urlparse


def _offline(page, server) -> list[str]:  # type: ignore[no-untyped-def]
    """Abort every request to another host; the list of those tried."""
    ours = urlparse(server.url).netloc
    tried: list[str] = []

    def route(r):  # type: ignore[no-untyped-def]
        if urlparse(r.request.url).netloc != ours:
            tried.append(r.request.url)
            return r.abort()
        return r.continue_()

    page.route("**/*", route)
    return tried


def test_swagger_ui_renders_offline(new_page, server, ui) -> None:  # type: ignore[no-untyped-def]
    page = new_page()
    tried = _offline(page, server)
    page.goto("/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "sendable" in page.inner_text(".swagger-ui .info .title")
    page.wait_for_selector('.opblock-summary-path[data-path="/v1/messages"]')
    ui.shot(page, "api-docs")
    assert tried == []


def test_redoc_renders_offline(new_page, server, ui) -> None:  # type: ignore[no-untyped-def]
    page = new_page()
    tried = _offline(page, server)
    page.goto("/redoc")
    page.wait_for_selector("h1:has-text('sendable')", timeout=20_000)
    assert page.locator("[data-section-id^='tag/']").count() >= 5  # the API's sections
    ui.shot(page, "api-redoc")
    assert tried == []
