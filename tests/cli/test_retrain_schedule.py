"""`serve --retrain-every`: a real server retrains from labels that arrive while it
runs, in the background, once per batch of new labels, and logs what it did."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import httpx
import pytest
from clikit import one_clear_line

from sendable.clock import SystemClock
from sendable.policy import build_policy
from sendable.service import Service
from sendable.shell.learning import label_from_verdict
from sendable.store import models as db_models
from serving import free_port, start_serve, stop_serve

ABUSIVE = ["you are a worthless idiot {}", "shut up you pathetic loser {}",
           "nobody likes you, you stupid clown {}", "you disgusting moron, go away {}"]
CLEAN = ["see you at lunch tomorrow {}", "thanks for the notes from class {}",
         "the train is late again, start without me {}", "happy birthday, have a great day {}"]


def _add_labels(db: Path, kind: str, positive: int, negative: int, start: int = 0) -> None:
    service = Service.open(str(db), build_policy(), SystemClock())
    try:
        with service.shell.unit.write() as conn:
            for i in range(start, start + positive):
                label_from_verdict(conn, kind, ABUSIVE[i % 4].format(i), True,
                                   "strike_upheld", None, time.time())
            for i in range(start, start + negative):
                label_from_verdict(conn, kind, CLEAN[i % 4].format(i), False,
                                   "strike_overturned", None, time.time())
    finally:
        service.close()


def _models(db: Path) -> list[dict]:
    service = Service.open(str(db), build_policy(), SystemClock())
    try:
        with service.shell.unit.read() as conn:
            return db_models.model_history(conn)
    finally:
        service.close()


def _wait_for(log: Path, marker: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in log.read_text().splitlines():
            if marker in line:
                return json.loads(line)
        time.sleep(0.1)
    raise AssertionError(f"no log line with {marker!r}:\n{log.read_text()}")


def test_serve_retrains_in_the_background_when_labels_arrive(user_env, tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    port, log = free_port(), tmp_path / "serve.log"
    process = start_serve(port, ["--db", str(db), "--demo"], log,
                          env={**user_env, "SENDABLE_RETRAIN_EVERY": "1s"})
    try:
        _wait_for(log, "retraining every 1s")
        time.sleep(2.5)  # rounds without labels: nothing to train
        assert _models(db) == []
        assert "scheduled" not in log.read_text()

        # Too few spam labels: skipped, said once, not retried every round.
        _add_labels(db, "spam", 3, 3)
        skipped = _wait_for(log, "scheduled spam retrain skipped")
        assert skipped["level"] == "warning" and "at least 10" in skipped["message"]

        # Enough abuse labels: trained, while sends go on answering.
        token = httpx.post(f"http://127.0.0.1:{port}/v1/sessions",
                           json={"handle": "alice", "password": "sendable-demo"}).json()["token"]
        answered: list[float] = []
        stop = threading.Event()

        def send_meanwhile() -> None:
            n = 0
            while not stop.is_set():
                t0 = time.monotonic()
                r = httpx.post(f"http://127.0.0.1:{port}/v1/messages",
                               json={"to": "bob", "text": f"still here {n}"},
                               headers={"Authorization": f"Bearer {token}"}, timeout=30)
                assert r.status_code in (200, 201), r.text
                answered.append(time.monotonic() - t0)
                n += 1
                time.sleep(0.05)

        sender = threading.Thread(target=send_meanwhile)
        sender.start()
        try:
            _add_labels(db, "abuse", 12, 12)
            trained = _wait_for(log, "scheduled abuse retrain: version")
        finally:
            stop.set()
            sender.join(30)
        assert trained["level"] == "info" and trained["kind"] == "abuse"
        assert answered and max(answered) < 5.0
        versions = [m for m in _models(db) if m["kind"] == "abuse"]
        assert [m["id"] for m in versions] == [trained["version"]]
        assert versions[0]["summary"]["last_label"] > 0

        # No new labels: no new model. New labels: one more.
        time.sleep(3)
        assert len([m for m in _models(db) if m["kind"] == "abuse"]) == 1
        assert log.read_text().count("scheduled spam retrain skipped") == 1
        _add_labels(db, "abuse", 2, 2, start=50)
        deadline = time.monotonic() + 60
        while len([m for m in _models(db) if m["kind"] == "abuse"]) < 2:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
    finally:
        stop_serve(process)


@pytest.mark.parametrize("value", ["soon", "0s", "-5m"])
def test_a_bad_retrain_period_fails_before_serving_on(cli, tmp_path: Path, value: str) -> None:
    result = cli("serve", "--port", str(free_port()), "--db", str(tmp_path / "x.db"),
                 "--retrain-every", value, timeout=60)
    line = one_clear_line(result)
    assert "serving on" not in result.stdout and "--retrain-every" in line
