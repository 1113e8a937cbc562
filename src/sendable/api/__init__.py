"""The HTTP API and live stream: a thin front end over `Service`."""

from sendable.api.app import create_app

__all__ = ["create_app"]
