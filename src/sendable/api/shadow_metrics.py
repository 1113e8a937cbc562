"""`sendable_shadow_diff_total{from,to,code}` on /metrics: live attempts that the
shadow policy decides otherwise, by the live outcome, the shadow's, and the shadow's
primary code (the live one's when the shadow finds nothing)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

from sendable.service import Service


class ShadowCollector(Collector):
    def __init__(self, service: Service) -> None:
        self.service = service

    def collect(self) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily(
            "sendable_shadow_diff", "Live attempts the shadow policy decides otherwise.",
            labels=["from", "to", "code"])
        shadow = self.service.sending.log.shadow
        if shadow is not None:
            with shadow.lock:
                diffs = list(shadow.diffs.items())
            for (before, after, code), n in sorted(diffs):
                family.add_metric([before, after, code], n)
        yield family
