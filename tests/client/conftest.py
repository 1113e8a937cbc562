"""Real `sendable serve` processes on loopback, a fault-injecting TCP proxy in front
of them, and a fresh client home per test.

Tests get everything through fixtures (never `import conftest`: tests/api has a
conftest module of the same name).

The proxy decides per TCP connection what to do with it (`plan(...)` queues modes
for the next connections, `default` applies after):
- `pass`: forward both ways;
- `reset`: reset the connection at once (RST, nothing forwarded);
- `drop`: close it at once (FIN, nothing forwarded);
- `reset_after_request`: forward the request to the server, then reset the client's
  connection when the server's answer starts to come back: the server did the
  work but the client never hears of it (a retry must not duplicate);
- `delay:<s>`: forward, holding every chunk from the server for <s> seconds;
- `blackhole`: accept and read, never answer;
- `http503:<s>`: answer 503 with `Retry-After: <s>` without forwarding.
`down()` stops listening (connections are refused), `up()` listens again on the
same port, `cut()` resets every open connection.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import socket
import struct
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from serving import User, free_port, start_serve, stop_serve

POLICY = """
[new_accounts]
days = 0

[requests]
max_unanswered = 10000

[rate_limits]
messages = ["10000/hour"]
new_conversations = ["10000/hour"]

[spam]
fanout_per_hour = 10000
duplicate_recipients = 10000
"""
PASSWORD = "correct horse battery"
ADULT = "1990-01-01"  # accounts the tests make are adults unless a test says otherwise
DEMO_PASSWORD = "sendable-demo"
_counter = itertools.count(1)


@dataclass
class Server:
    workdir: Path
    port: int
    policy: str
    process: subprocess.Popen | None = None
    log: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, demo: bool = False) -> Server:
        policy = self.workdir / "policy.toml"
        policy.write_text(self.policy)
        self.log = self.workdir / f"server-{time.monotonic_ns()}.log"
        self.process = start_serve(
            self.port, ["--db", str(self.workdir / "client.db"), "--policy", str(policy),
                        "--poll", "0.3", "--quiet", *(["--demo"] if demo else [])], self.log)
        return self

    def stop(self) -> None:
        if self.process is not None:
            stop_serve(self.process)
            self.process = None


def _start(workdir: Path, policy: str = POLICY, demo: bool = True) -> Server:
    workdir.mkdir(parents=True, exist_ok=True)
    return Server(workdir, free_port(), policy).start(demo=demo)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = _start(tmp_path_factory.mktemp("client-server"))
    yield srv
    srv.stop()


@pytest.fixture
def spawn_server(tmp_path: Path) -> Iterator:
    """spawn_server(policy=POLICY, demo=True) -> Server; stopped after the test."""
    started: list[Server] = []

    def spawn(policy: str = POLICY, demo: bool = True) -> Server:
        srv = _start(tmp_path / f"srv{len(started)}", policy, demo)
        started.append(srv)
        return srv

    yield spawn
    for srv in started:
        srv.stop()


# -- accounts -----------------------------------------------------------------------

def login(url: str, handle: str, password: str = PASSWORD) -> User:
    r = httpx.post(f"{url}/v1/sessions", json={"handle": handle, "password": password},
                   timeout=10)
    assert r.status_code == 201, r.text
    return User(handle, r.json()["token"])


@pytest.fixture
def user(server: Server):  # type: ignore[no-untyped-def]
    """user(prefix="u", url=server.url) -> a fresh signed-in account."""

    def make(prefix: str = "u", url: str | None = None, **fields: object) -> User:
        base = url or server.url
        handle = f"{prefix}{next(_counter)}_{os.getpid() % 1000}"
        r = httpx.post(f"{base}/v1/accounts",
                       json={"handle": handle, "password": PASSWORD, "birthdate": ADULT,
                             **fields}, timeout=10)
        assert r.status_code == 201, r.text
        return login(base, handle)

    return make


@pytest.fixture
def mod(server: Server) -> User:
    """The demo moderator of the shared server."""
    return login(server.url, "mod", DEMO_PASSWORD)


@pytest.fixture
def api():  # type: ignore[no-untyped-def]
    """api(method, url, path, user=None, **kw) -> httpx.Response, straight to a server."""

    def call(method: str, url: str, path: str, user: User | None = None,
             **kwargs: object) -> httpx.Response:
        headers = user.auth if user else {}
        return httpx.request(method, f"{url}{path}", headers=headers, timeout=10,
                             **kwargs)  # type: ignore[arg-type]

    return call


@pytest.fixture
def read_back(api):  # type: ignore[no-untyped-def]
    """read_back(url, reader, other_handle) -> texts of every stored message in the
    conversation between reader and other, read from the server."""

    def texts(url: str, reader: User, other: str) -> list[str]:
        out: list[str] = []
        for folder in ("inbox", "requests"):
            rows = api("GET", url, f"/v1/conversations?folder={folder}", reader).json()
            for c in rows["conversations"]:
                if c["with"] != other:
                    continue
                after = 0
                for _ in range(1000):
                    page = api("GET", url, f"/v1/conversations/{c['id']}/messages"
                               f"?after_seq={after}&limit=200", reader).json()["messages"]
                    out += [m["text"] for m in page]
                    if len(page) < 200:
                        break
                    after = page[-1]["seq"]
        return out

    return texts


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh client home ($SENDABLE_HOME) for this test."""
    path = tmp_path / "home"
    path.mkdir()
    monkeypatch.setenv("SENDABLE_HOME", str(path))
    for var in ("SENDABLE_SERVER", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy",
                "https_proxy", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(var, raising=False)
    return path


@pytest.fixture
def cli(home: Path):  # type: ignore[no-untyped-def]
    """cli(*args, env=None, timeout=60) -> CompletedProcess of a real `sendable` process."""

    def run(*args: str, env: dict[str, str] | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", "from sendable.cli import app; app()", *args],
            capture_output=True, text=True, timeout=timeout,
            env={**os.environ, "SENDABLE_HOME": str(home), "COLUMNS": "200", **(env or {})})

    return run


# -- the fault proxy ------------------------------------------------------------------

def _rst(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    writer.transport.abort()


@dataclass
class FaultProxy:
    target_port: int
    default: str = "pass"
    port: int = 0
    modes: deque[str] = field(default_factory=deque)
    used: list[str] = field(default_factory=list)
    requests: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._lock = threading.Lock()
        self.up()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _call(self, coro):  # type: ignore[no-untyped-def]
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)

    def plan(self, *modes: str) -> None:
        with self._lock:
            self.modes.extend(modes)

    def up(self) -> None:
        async def listen() -> int:
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port,
                                                      reuse_address=True)
            return self._server.sockets[0].getsockname()[1]

        self.port = self._call(listen())

    def down(self) -> None:
        """Stop listening and reset open connections: the server looks gone."""
        async def close() -> None:
            if self._server is not None:
                self._server.close()
                self._server = None
            for w in list(self._writers):
                _rst(w)

        self._call(close())

    def cut(self) -> None:
        async def cut() -> None:
            for w in list(self._writers):
                _rst(w)

        self._call(cut())

    def close(self) -> None:
        self.down()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    async def _handle(self, reader: asyncio.StreamReader,
                      writer: asyncio.StreamWriter) -> None:
        with self._lock:
            mode = self.modes.popleft() if self.modes else self.default
        self.used.append(mode)
        self._writers.add(writer)
        try:
            await self._serve(mode, reader, writer)
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writers.discard(writer)
            if not writer.is_closing():
                writer.close()

    async def _serve(self, mode: str, reader: asyncio.StreamReader,
                     writer: asyncio.StreamWriter) -> None:
        name, _, arg = mode.partition(":")
        if name == "reset":
            _rst(writer)
            return
        if name == "drop":
            writer.close()
            return
        if name == "blackhole":
            for _ in range(600):  # bounded: 60 s at most
                try:
                    if not await asyncio.wait_for(reader.read(65536), 0.1):
                        return
                except TimeoutError:
                    continue
            return
        if name == "http503":
            await asyncio.wait_for(reader.read(65536), 5)
            writer.write(f"HTTP/1.1 503 Service Unavailable\r\nRetry-After: {arg}\r\n"
                         "Content-Length: 0\r\nConnection: close\r\n\r\n".encode())
            await writer.drain()
            writer.close()
            return
        up_reader, up_writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", self.target_port), 5)
        self._writers.add(up_writer)
        delay = float(arg) if name == "delay" else 0.0

        async def upstream() -> None:
            while data := await reader.read(65536):
                self.requests.append(data)
                up_writer.write(data)
                await up_writer.drain()
            up_writer.close()

        async def downstream() -> None:
            while data := await up_reader.read(65536):
                if name == "reset_after_request":
                    _rst(writer)  # the server answered; the client never hears it
                    _rst(up_writer)
                    return
                if delay:
                    await asyncio.sleep(delay)
                writer.write(data)
                await writer.drain()
            writer.close()

        tasks = [asyncio.create_task(upstream()), asyncio.create_task(downstream())]
        try:
            await asyncio.wait(tasks, timeout=120, return_when=asyncio.FIRST_EXCEPTION)
            await asyncio.wait(tasks, timeout=5)
        finally:
            for t in tasks:
                t.cancel()
            self._writers.discard(up_writer)
            if not up_writer.is_closing():
                up_writer.close()


@pytest.fixture
def proxy(server: Server) -> Iterator:
    """proxy(target=server, default="pass") -> FaultProxy; closed after the test."""
    made: list[FaultProxy] = []

    def make(target: Server | None = None, default: str = "pass") -> FaultProxy:
        p = FaultProxy((target or server).port, default)
        made.append(p)
        return p

    yield make
    for p in made:
        p.close()
