"""Prometheus metrics: send decisions by outcome and code, request latency, streams.

Each app has its own registry, so several apps in one process (tests) never clash.
"""

from __future__ import annotations

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
from sendable.reasons import ordered

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
            "(moderator view; 'none' when nothing applied).",
            ["outcome", "code"], registry=self.registry)
        self.reasons = Counter(
            "sendable_reasons", "Every reason found on a send, by code.",
            ["code"], registry=self.registry)
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
        self.decisions.labels(decision.outcome, primary).inc()
        for finding in findings:
            self.reasons.labels(finding.code).inc()

    def request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)

