"""Where the client keeps its files, and the sessions `sendable login` saved.

The home directory is `$SENDABLE_HOME` when set (tests use a temp dir), else the
platform's config dir (`~/.config/sendable` on Linux). It holds:

- `config.json`: the current server and handle, and a token per server and handle
  (written with mode 0600: a token is a password for as long as it lives);
- `outbox.db`: messages not yet acknowledged by the server (see outbox.py);
- `cache.db`: conversations and messages as last read (see cache.py).

The outbox and the cache are separate files so that a damaged cache, which is
thrown away and rebuilt, can never take unsent messages with it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from sendable import __version__

CLIENT_HEADER = f"sendable-py/{__version__}"  # what every request says it is

DEFAULT_SERVER = "http://127.0.0.1:8000"


def home_dir() -> Path:
    env = os.environ.get("SENDABLE_HOME")
    path = Path(env) if env else Path(platformdirs.user_config_dir("sendable"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def normalise_server(url: str) -> str:
    url = url.strip().rstrip("/")
    if "://" not in url:
        url = "http://" + url
    return url


@dataclass(frozen=True)
class Session:
    server: str
    handle: str | None
    token: str | None


class Config:
    """The sessions file. Reads are forgiving (a missing or damaged file is empty);
    writes replace the file atomically."""

    def __init__(self, home: Path | None = None) -> None:
        self.home = home or home_dir()
        self.path = self.home / "config.json"

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _save(self, data: dict[str, Any]) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=2)
        os.replace(tmp, self.path)

    def session(self, server: str | None = None, handle: str | None = None) -> Session:
        """The session to use: explicit server/handle first, then the current ones."""
        data = self._load()
        current = data.get("current") or {}
        server = normalise_server(server or os.environ.get("SENDABLE_SERVER")
                                  or current.get("server") or DEFAULT_SERVER)
        tokens = (data.get("tokens") or {}).get(server) or {}
        if handle is None and current.get("server") == server:
            handle = current.get("handle")
        if handle is None and len(tokens) == 1:
            handle = next(iter(tokens))
        return Session(server, handle, tokens.get(handle) if handle else None)

    def save_login(self, server: str, handle: str, token: str) -> None:
        data = self._load()
        server = normalise_server(server)
        data.setdefault("tokens", {}).setdefault(server, {})[handle] = token
        data["current"] = {"server": server, "handle": handle}
        self._save(data)

    def forget(self, server: str, handle: str) -> None:
        data = self._load()
        server = normalise_server(server)
        (data.get("tokens") or {}).get(server, {}).pop(handle, None)
        if data.get("current") == {"server": server, "handle": handle}:
            data["current"] = {"server": server}  # keep the server for the next login
        self._save(data)
