"""The HTTP API and live stream (CONTRACT.md §6): a thin front end over `Service`."""

from sendable.api.app import create_app

__all__ = ["create_app"]
