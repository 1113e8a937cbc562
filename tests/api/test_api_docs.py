"""/docs (Swagger UI) and /redoc work with no internet access: every script, style
sheet and image they load is served by this server (from the fastapi-offline
package), and no page names another host."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import httpx
import pytest

LINKS = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url\(\s*["']?([^"')]+)""")
OTHER_HOST = re.compile(r"""(?:https?:)?//[^\s"'<>]+""")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_api_pages_load_everything_from_this_server(http: httpx.Client, page: str) -> None:
    r = http.get(page)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert not OTHER_HOST.findall(html), OTHER_HOST.findall(html)  # no CDN, no fonts
    assets = [a or b for a, b in LINKS.findall(html)]
    assert assets and all(a.startswith("/") for a in assets), assets
    for asset in assets:
        loaded = http.get(urljoin(page, asset))
        assert loaded.status_code == 200 and len(loaded.content) > 100, asset
    assert "/openapi.json" in html


def test_swagger_ui_reads_the_description_it_is_given(http: httpx.Client) -> None:
    html = http.get("/docs").text
    assert "swagger-ui-bundle.js" in html and "SwaggerUIBundle" in html
    assert http.get("/openapi.json").json()["paths"]
