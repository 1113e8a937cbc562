"""Prometheus metrics: send decisions by outcome and code, request latency, streams.

Each app has its own registries, so several apps in one process (tests) never clash.

`/metrics` needs no login, so everything on it is what any member may know: send
decisions are counted by the code the *sender* is shown (a block or an underage
recipient counts as `privacy.not_accepting`, as the sender reads it). The true codes
(the moderator view) are counted in a second registry, served only to an operator
who presents the metrics token (`sendable serve --metrics-token-file`, or the
environment variable SENDABLE_METRICS_TOKEN): `Authorization: Bearer <token>`.
"""

from __future__ import annotations

import hmac
import os
from pathlib import Path

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from sendable.gate import Decision
from sendable.reasons import ordered, sender_view

TOKEN_ENV = "SENDABLE_METRICS_TOKEN"
TOKEN_FILE_ENV = "SENDABLE_METRICS_TOKEN_FILE"


def operator_token(path: str | Path | None = None) -> str | None:
    """The operator's metrics token: from the file named (or SENDABLE_METRICS_TOKEN_FILE),
    else SENDABLE_METRICS_TOKEN; None when there is none (true codes are then never
    served)."""
    named = path or os.environ.get(TOKEN_FILE_ENV, "").strip()
    if named:
        return Path(named).read_text().strip() or None
    return os.environ.get(TOKEN_ENV, "").strip() or None


def is_operator(expected: str | None, presented: str | None) -> bool:
    return bool(expected and presented
                and hmac.compare_digest(expected.encode(), presented.encode()))


_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        # The standard ones every Prometheus user expects: process_* (CPU, memory, open
        # files, start time), python_info and python_gc_*.
        for standard in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
            self.registry.register(standard)
        self.requests = Histogram(
            "sendable_http_request_seconds", "HTTP request latency by route and status.",
            ["method", "route", "status"], buckets=_BUCKETS, registry=self.registry)
        self.decisions = Counter(
            "sendable_decisions", "Send decisions by outcome and primary reason code "
            "(sender view; 'none' when nothing applied).",
            ["outcome", "code"], registry=self.registry)
        self.reasons = Counter(
            "sendable_reasons", "Every reason shown on a send, by code (sender view).",
            ["code"], registry=self.registry)
        # Operator-only (true codes): served with the metrics token alone.
        self.private_registry = CollectorRegistry()
        self.true_decisions = Counter(
            "sendable_moderator_decisions", "Send decisions by outcome and primary reason "
            "code (moderator view).", ["outcome", "code"], registry=self.private_registry)
        self.true_reasons = Counter(
            "sendable_moderator_reasons", "Every reason found on a send, by code "
            "(moderator view).", ["code"], registry=self.private_registry)
        self.streams = Gauge(
            "sendable_stream_connections", "Open live streams.", registry=self.registry)
        self.send_batches = Histogram(
            "sendable_send_batch_size", "Sends per group commit (api/writer.py).",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128), registry=self.registry)
        self.events = Counter(
            "sendable_stream_events", "Events pushed to live streams.", registry=self.registry)

    def decision(self, decision: Decision) -> None:
        findings = decision.findings
        primary = ordered(findings)[0].code if findings else "none"
        self.true_decisions.labels(decision.outcome, primary).inc()
        for finding in findings:
            self.true_reasons.labels(finding.code).inc()
        shown = sender_view(findings)
        self.decisions.labels(decision.outcome, shown[0].code if shown else "none").inc()
        for finding in shown:
            self.reasons.labels(finding.code).inc()

    def request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).observe(seconds)

    def render(self, operator: bool = False) -> bytes:
        """The public metrics; with `operator`, the true-code counters too."""
        out = generate_latest(self.registry)
        return out + generate_latest(self.private_registry) if operator else out

