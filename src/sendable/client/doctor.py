"""`sendable doctor`: walk the troubleshooting steps in order and say which fails.

Steps, in order: dns, connect, tls, proxy, latency, throughput (the network from
here to the server), server (health), version (`client.outdated`), standing (the
session and the account's bans, restrictions, strikes and appeals), why (could
this account message `--to` now), rate_limit (headroom, from the why answer: no
message is sent), cache (local integrity, repaired with `--repair`).

Each step ends `pass`, `fail` (with a cause code where one applies, the message
and the remedy) or `skip` (not applicable, or an earlier step failed that it
depends on). The why step shows the sender view only, as the server gives it:
what is private to the recipient (a block) is never named.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import semver

from sendable import __version__
from sendable.client.core import ApiError, AsyncClient
from sendable.client.faults import Fault, FaultError, classify
from sendable.client.net import proxy_for
from sendable.client.retry import Retry
from sendable.durations import format_duration
from sendable.reasons import CATALOGUE, CLIENT_CAUSES

Status = Literal["pass", "fail", "skip"]
STEPS = ("dns", "connect", "tls", "proxy", "latency", "throughput", "server", "version",
         "standing", "why", "rate_limit", "cache")
NETWORK_STEPS = STEPS[:6]


@dataclass
class Step:
    name: str
    status: Status
    code: str | None = None
    message: str = ""
    remedy: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _pass(name: str, message: str, **detail: Any) -> Step:
    return Step(name, "pass", message=message, detail=detail)


def _skip(name: str, message: str) -> Step:
    return Step(name, "skip", message=message)


def _fault(name: str, fault: Fault, message: str | None = None) -> Step:
    return Step(name, "fail", fault.code, message or fault.message, fault.remedy,
                fault.detail)


def _client_fault(name: str, code: str, message: str | None = None, **detail: Any) -> Step:
    return _fault(name, Fault(code, detail), message)


def _sender_safe(reason: dict[str, Any]) -> dict[str, Any]:
    """Belt and braces: the server already answers in the sender view; a code that is
    private to someone else is shown as the code the sender may see."""
    info = CATALOGUE.get(reason.get("code", ""))
    if info is None or info.sender_code is None:
        return reason
    shown = CATALOGUE[info.sender_code]
    return {**reason, "code": shown.code, "message": shown.message, "remedy": shown.remedy,
            "detail": None}


def _reason_step(name: str, reason: dict[str, Any], **detail: Any) -> Step:
    wait = reason.get("retry_after")
    remedy = reason.get("remedy", "")
    if wait:
        remedy = f"{remedy} (wait {format_duration(wait)})".strip()
    if reason.get("until"):
        detail["until"] = reason["until"]
    if reason.get("appealable"):
        detail["appeal_target"] = reason.get("appeal_target")
    if name == "why" and reason.get("code") == "privacy.not_accepting":
        remedy = f"{remedy} {REACH_THEM}".strip()
    return Step(name, "fail", reason.get("code"), reason.get("message", ""), remedy,
                {"retry_after": wait, "appealable": reason.get("appealable"), **detail})


# Said whenever the answer is privacy.not_accepting, whatever lies behind it (a setting,
# a block, an age), so it tells nothing about the other person's settings.
REACH_THEM = ("Ways to reach them: ask them, through someone you both know or outside "
              "sendable, to write to you first (anyone can answer a message sent to them); "
              "follow them and wait for them to follow you back; or, if they have your "
              "verified email or phone in their contacts, they can let contacts in.")

_REACH = ("dns", "connect", "tls", "proxy")
# Which earlier steps a step needs: when one of them failed, the step is skipped.
NEEDS: dict[str, tuple[str, ...]] = {
    "connect": ("dns",), "tls": ("dns", "connect"),
    "latency": _REACH, "throughput": (*_REACH, "latency"),
    "server": (*_REACH, "latency"), "version": (*_REACH, "latency", "server"),
    "standing": (*_REACH, "latency", "server"),
    "why": (*_REACH, "latency", "server", "standing"),
    "rate_limit": (*_REACH, "latency", "server", "standing"),
}


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class Doctor:
    """Run with `await Doctor(...).run()`; `on_start(name)` / `on_done(step)` let a
    front end show progress."""

    def __init__(self, client: AsyncClient, *, to: str | None = None, text: str = "",
                 repair: bool = False, step_timeout: float = 15.0, slow_ms: float = 1500.0,
                 min_kbps: float = 20.0,
                 on_start: Callable[[str], None] | None = None,
                 on_done: Callable[[Step], None] | None = None) -> None:
        self.client = client
        self.to, self.text, self.repair = to, text, repair
        self.step_timeout, self.slow_ms, self.min_kbps = step_timeout, slow_ms, min_kbps
        self.on_start, self.on_done = on_start, on_done
        parts = urlsplit(client.server)
        self.scheme = parts.scheme
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.proxy = proxy_for(client.server)
        self.steps: list[Step] = []
        self._why: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return not any(s.status == "fail" for s in self.steps)

    def failed(self, *names: str) -> bool:
        return any(s.name in names and s.status == "fail" for s in self.steps)

    async def run(self) -> list[Step]:
        for name in STEPS:
            if self.on_start:
                self.on_start(name)
            step = await self._run_one(name)
            self.steps.append(step)
            if self.on_done:
                self.on_done(step)
        return self.steps

    async def _run_one(self, name: str) -> Step:
        blocker = self._blocked_by(name)
        if blocker:
            return _skip(name, f"skipped: step {blocker} failed")
        method: Callable[[], Awaitable[Step]] = getattr(self, f"step_{name}")
        try:
            return await asyncio.wait_for(method(), self.step_timeout)
        except TimeoutError:
            return _client_fault(name, "network.slow",
                                 f"No answer within {self.step_timeout:g}s.")
        except FaultError as error:
            return _fault(name, error.fault)

    def _blocked_by(self, name: str) -> str | None:
        """The earlier failed step that makes this one pointless, if any."""
        return next((s.name for s in self.steps
                     if s.status == "fail" and s.name in NEEDS.get(name, ())), None)

    # -- connectivity ----------------------------------------------------------------

    async def step_dns(self) -> Step:
        if self.proxy:
            return _skip("dns", f"skipped: the proxy {self.proxy} looks the name up")
        if _is_ip_literal(self.host):
            return _pass("dns", f"{self.host} is an address: no lookup needed",
                         addresses=[self.host])
        started = time.perf_counter()
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                self.host, self.port, type=socket.SOCK_STREAM)
        except socket.gaierror as error:
            return _client_fault("dns", "network.dns",
                                 f"The server's name {self.host} could not be looked up.",
                                 host=self.host, error=str(error))
        addresses = sorted({info[4][0] for info in infos})
        ms = (time.perf_counter() - started) * 1000
        return _pass("dns", f"{self.host} → {', '.join(addresses)}", addresses=addresses,
                     ms=round(ms, 1))

    async def _open(self, host: str, port: int, **kwargs: Any) -> float:
        started = time.perf_counter()
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port, **kwargs),
                                           timeout=min(self.step_timeout, 5.0))
        ms = (time.perf_counter() - started) * 1000
        writer.close()
        try:
            await asyncio.wait_for(writer.wait_closed(), 2)
        except (OSError, TimeoutError):
            pass
        return ms

    async def step_connect(self) -> Step:
        if self.proxy:
            return _skip("connect", "skipped: traffic goes through the proxy (see proxy)")
        try:
            ms = await self._open(self.host, self.port)
        except TimeoutError:
            return _client_fault("connect", "network.connect",
                                 f"Connecting to {self.host}:{self.port} timed out.",
                                 host=self.host, port=self.port)
        except OSError as error:
            fault = classify(error)
            code = fault.code if fault.code == "network.offline" else "network.connect"
            return _client_fault("connect", code,
                                 f"{CLIENT_CAUSES[code][1]} ({self.host}:{self.port}: "
                                 f"{error.strerror or error})", host=self.host,
                                 port=self.port)
        return _pass("connect", f"TCP connect to {self.host}:{self.port} in {ms:.0f} ms",
                     ms=round(ms, 1))

    async def step_tls(self) -> Step:
        if self.scheme != "https":
            return _skip("tls", "skipped: the server URL is plain http")
        if self.proxy:
            return _skip("tls", "skipped: TLS is tunnelled through the proxy (see latency)")
        context = ssl.create_default_context()
        try:
            ms = await self._open(self.host, self.port, ssl=context,
                                  server_hostname=self.host)
        except (ssl.SSLError, ssl.CertificateError) as error:
            return _client_fault("tls", "network.tls",
                                 f"A secure connection to {self.host} could not be made.",
                                 error=str(error))
        except (OSError, TimeoutError) as error:
            return _client_fault("tls", "network.tls", error=str(error) or "timed out")
        return _pass("tls", f"TLS handshake with {self.host} in {ms:.0f} ms", ms=round(ms, 1))

    async def step_proxy(self) -> Step:
        if not self.proxy:
            return _pass("proxy", "no proxy configured for this server")
        parts = urlsplit(self.proxy)
        host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https"
                                                          else 1080 if "socks" in parts.scheme
                                                          else 8080)
        try:
            ms = await self._open(host, port)
        except (OSError, TimeoutError) as error:
            return _client_fault("proxy", "network.proxy",
                                 f"The proxy {host}:{port} (from the environment) "
                                 "could not be reached.", proxy=self.proxy,
                                 error=str(error) or "timed out")
        return _pass("proxy", f"proxy {host}:{port} reachable in {ms:.0f} ms",
                     proxy=self.proxy, ms=round(ms, 1))

    async def step_latency(self) -> Step:
        samples = []
        for _ in range(3):
            started = time.perf_counter()
            await self.client.request("GET", "/healthz")
            samples.append((time.perf_counter() - started) * 1000)
        median = statistics.median(samples)
        detail = {"median_ms": round(median, 1), "samples_ms": [round(s, 1) for s in samples]}
        if median > self.slow_ms:
            return _client_fault("latency", "network.slow",
                                 f"Round trips take {median:.0f} ms (more than "
                                 f"{self.slow_ms:.0f} ms).", **detail)
        return _pass("latency", f"round trip {median:.0f} ms (median of 3)", **detail)

    async def step_throughput(self) -> Step:
        started = time.perf_counter()
        response = await self.client.request("GET", "/openapi.json")
        seconds = max(time.perf_counter() - started, 1e-6)
        size = len(response.content)
        kbps = size / 1024 / seconds
        detail = {"bytes": size, "seconds": round(seconds, 4), "kib_per_s": round(kbps, 1)}
        if size >= 4096 and kbps < self.min_kbps:
            return _client_fault("throughput", "network.slow",
                                 f"Downloads run at {kbps:.1f} KiB/s.", **detail)
        return _pass("throughput", f"{size} bytes in {seconds * 1000:.0f} ms "
                                   f"({kbps:.0f} KiB/s)", **detail)

    # -- the server ------------------------------------------------------------------

    async def step_server(self) -> Step:
        response = await self.client.request("GET", "/healthz")
        if response.status_code != 200:
            return _client_fault("server", "app.server_error",
                                 f"The server's health check answered {response.status_code}.",
                                 status=response.status_code)
        return _pass("server", "the server is up and its database answers")

    async def step_version(self) -> Step:
        meta = await self.client.meta()
        needed = str(meta.get("min_client_version") or "0.0.0")
        detail = {"ours": __version__, "min_client_version": needed,
                  "server_version": meta.get("version")}
        try:
            outdated = semver.Version.parse(__version__) < semver.Version.parse(needed)
        except ValueError:
            return Step("version", "fail", None, f"The server asks for version {needed!r}, "
                        "which is not a version number.", "Tell the server's operator.", detail)
        if outdated:
            info = CATALOGUE["client.outdated"]
            return Step("version", "fail", "client.outdated",
                        f"{info.message} This is {__version__}; the server needs {needed} "
                        "or later.",
                        f"{info.remedy} Install sendable {needed} or later "
                        f"(pip install -U 'sendable>={needed}').", detail)
        return _pass("version", f"sendable {__version__} is supported "
                                f"(the server needs {needed} or later)", **detail)

    async def step_standing(self) -> Step:
        if not self.client.token:
            return _skip("standing", "skipped: not signed in (sendable login)")
        try:
            standing = await self.client.standing()
        except ApiError as error:
            if error.status == 401:
                return Step("standing", "fail", None,
                            "Your session has expired or was signed out.",
                            "Sign in again: sendable login.", {"status": 401})
            raise
        strikes = [s for s in standing.get("strikes", []) if s.get("active")]
        bans = [b for b in standing.get("bans", []) if b.get("active")]
        open_appeals = [a for a in standing.get("appeals", []) if a.get("state") == "open"]
        detail = {"handle": standing.get("handle"), "active_strikes": len(strikes),
                  "active_bans": len(bans), "open_appeals": len(open_appeals),
                  "flagged": standing.get("flagged"), "verified": standing.get("verified"),
                  "reputation_band": standing.get("reputation_band"),
                  "restrictions": [r["code"] for r in standing.get("restrictions", [])]}
        restrictions = standing.get("restrictions") or []
        if restrictions:
            step = _reason_step("standing", _sender_safe(restrictions[0]), **detail)
            if open_appeals:
                step.remedy += f" You have {len(open_appeals)} open appeal(s) waiting."
            return step
        note = f"@{standing.get('handle')} is in good standing"
        if strikes:
            note += f" ({len(strikes)} active strike(s))"
        if open_appeals:
            note += f"; {len(open_appeals)} open appeal(s)"
        return _pass("standing", note, **detail)

    async def step_why(self) -> Step:
        if not self.to:
            return _skip("why", "skipped: name a recipient with --to")
        if not self.client.token:
            return _skip("why", "skipped: not signed in (sendable login)")
        try:
            self._why = await self.client.why(self.to, self.text)
        except ApiError as error:
            return Step("why", "fail", None, error.message,
                        "Check the handle and the text." if error.status != 401
                        else "Sign in again: sendable login.", {"status": error.status,
                                                                "field": error.field})
        reasons = [_sender_safe(r) for r in self._why.get("reasons", [])]
        owned = {"rate.messages", "rate.new_conversations"}  # the rate_limit step's
        if self.failed("version"):
            owned.add("client.outdated")  # already named by the version step
        policy = [r for r in reasons if r["code"] not in owned]
        detail = {"outcome": self._why.get("outcome"), "codes": [r["code"] for r in reasons]}
        if policy:
            return _reason_step("why", policy[0], **detail)
        outcome = self._why.get("outcome")
        where = {"delivered": "straight to their inbox",
                 "requested": "to their message requests until they accept",
                 "held": "held for a moderator's review first"}.get(outcome or "", outcome)
        return _pass("why", f"@{self.to} can get your message now: {where}", **detail)

    async def step_rate_limit(self) -> Step:
        if self._why is None:
            return _skip("rate_limit", "skipped: needs the why step (--to)")
        rate = [r for r in self._why.get("reasons", []) if r["code"].startswith("rate.")]
        if rate:
            slowest = max(rate, key=lambda r: r.get("retry_after") or 0)
            return _reason_step("rate_limit", slowest)
        return _pass("rate_limit", "you can send now: no rate limit is reached")

    # -- this device -----------------------------------------------------------------

    async def step_cache(self) -> Step:
        problems = self.client.check_cache()
        outbox = self.client.outbox
        detail: dict[str, Any] = {"cache": str(self.client.home / "cache.db"),
                                  "outbox_pending": len(outbox.pending()),
                                  "outbox_integrity": outbox.integrity()}
        if detail["outbox_integrity"] != "ok":
            return Step("cache", "fail", "app.cache_corrupt",
                        "The outbox file of unsent messages is damaged.",
                        f"Keep a copy of {outbox.path} and contact support; it is never "
                        "deleted automatically.", detail)
        if not problems:
            return _pass("cache", "local cache is sound"
                         + (f"; {detail['outbox_pending']} message(s) waiting in the outbox"
                            if detail["outbox_pending"] else ""), **detail)
        detail["problems"] = problems[:10]
        if not self.repair:
            return _client_fault("cache", "app.cache_corrupt", **detail)
        rebuilt = 0
        if self.client.token and not self.failed(*NETWORK_STEPS, "server"):
            try:
                rebuilt = await self.client.repair_cache()
            except (FaultError, ApiError) as error:
                detail["refill_error"] = str(error)
        else:
            self.client.reset_cache()
        detail.update(repaired=True, messages_rebuilt=rebuilt)
        return _pass("cache", f"repaired: the damaged cache was rebuilt ({rebuilt} messages "
                              f"from the server); {detail['outbox_pending']} unsent "
                              "message(s) kept", **detail)


DOCTOR_RETRY = Retry(attempts=1, budget=0)


async def diagnose(server: str | None = None, handle: str | None = None, *,
                   home: Path | None = None, timeout: float = 5.0,
                   **options: Any) -> tuple[list[Step], bool]:
    """Run every step against the saved session (or `server`); returns (steps, ok)."""
    async with AsyncClient.from_config(server, handle, home, retry=DOCTOR_RETRY,
                                       timeout=timeout) as client:
        doctor = Doctor(client, **options)
        await doctor.run()
        return doctor.steps, doctor.ok


__all__ = ["Doctor", "STEPS", "Step", "diagnose"]
