"""Retraining on a schedule inside `serve` (--retrain-every).

Every period a background thread asks, per kind (spam, abuse), whether labels
arrived after the newest label the model in force was trained on; only then it
runs SpamModels.retrain, which trains outside the write lock and swaps the new
model in with one short transaction. Sends never wait for it: they go on with
the model in force until the swap. Each result is one log line (logger
"sendable.retrain"): the new version and its figures, or why it did not train.
A kind whose labels are too few is tried again only once newer labels arrive.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from sendable.shell.learning import KINDS, SpamModels
from sendable.text.learn import TooFewLabels

log = logging.getLogger("sendable.retrain")


class RetrainSchedule:
    """Runs ``models.retrain`` every ``every`` seconds for each kind with new labels."""

    def __init__(self, models: SpamModels, every: float, now: Callable[[], float] = time.time
                 ) -> None:
        if not every > 0:
            raise ValueError("the retrain period must be longer than zero")
        self.models = models
        self.every = every
        self.now = now
        self._tried: dict[str, int] = {}  # kind -> newest label id a failed attempt saw
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sendable-retrain", daemon=True)
        self._thread.start()

    def stop(self, wait: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(wait)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.run_once()

    def run_once(self) -> list[dict[str, Any]]:
        """One round: retrain each kind that has unseen labels. Returns what was done."""
        done = []
        for kind in KINDS:
            if self._stop.is_set():
                break
            try:
                outcome = self._retrain_if_due(kind)
            except Exception:  # a failing round must not end the schedule
                log.exception("scheduled %s retrain failed", kind)
                continue
            if outcome is not None:
                done.append(outcome)
        return done

    def _retrain_if_due(self, kind: str) -> dict[str, Any] | None:
        newest, seen = self.models.unseen_labels(kind)
        if newest <= max(seen, self._tried.get(kind, 0)):
            return None
        started = time.monotonic()
        try:
            result = self.models.retrain(kind, self.now())
        except TooFewLabels as error:
            self._tried[kind] = newest
            log.warning("scheduled %s retrain skipped: %s", kind, error,
                        extra={"fields": {"event": "retrain", "kind": kind, "trained": False}})
            return {"kind": kind, "trained": False, "reason": str(error)}
        figures = result.get("cross_validated", {})
        log.info("scheduled %s retrain: version %s from %s labels in %.1fs, threshold %s, "
                 "cross-validated %s", kind, result["version"],
                 result.get("labels", {}), time.monotonic() - started,
                 result.get("threshold", {k: result.get(k) for k in
                                          ("veto_threshold", "model_threshold")}),
                 figures,
                 extra={"fields": {"event": "retrain", "kind": kind, "trained": True,
                                   "version": result["version"]}})
        for warning in result.get("warnings", ()):
            log.warning("scheduled %s retrain, version %s: %s", kind, result["version"], warning)
        return {"kind": kind, "trained": True, "version": result["version"]}
