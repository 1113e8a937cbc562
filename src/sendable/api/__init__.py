"""The HTTP API and live stream (docs/http.md): a thin front end over `Service`."""

from sendable.api.app import create_app

__all__ = ["create_app"]
