"""Which proxy, if any, carries traffic to a URL (the standard *_PROXY variables,
as httpx reads them)."""

from __future__ import annotations

import urllib.request
from urllib.parse import urlsplit


def proxy_for(url: str) -> str | None:
    """The proxy URL the environment sets for `url`, or None (no proxy, or NO_PROXY
    names the host)."""
    proxies = urllib.request.getproxies_environment()
    parts = urlsplit(url)
    host = parts.hostname or ""
    if proxies.get("no") and urllib.request.proxy_bypass_environment(host, proxies):
        return None
    return proxies.get(parts.scheme) or proxies.get("all") or None
