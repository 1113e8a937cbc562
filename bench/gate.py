"""Gate and send throughput: pure decisions on preloaded facts, and full sends on SQLite,
one `Service.send` (one commit) at a time and 32 at a time through `Service.send_many`
(one commit per batch: how the HTTP server's writer sends, about 25 a batch under load).

Run: python bench/gate.py [--seconds 3] [--repeat 5]. Prints the figures (with --repeat,
the median of that many runs on fresh stores, and their range) and the machine.
Targets (issue 2): >= 50,000 pure decisions/s on one core, >= 3,000 sends/s on SQLite.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sendable.clock import FixedClock  # noqa: E402
from sendable.gate import decide  # noqa: E402
from sendable.policy import build_policy  # noqa: E402
from sendable.service import SendAttempt, Service  # noqa: E402
from sendable.shell import facts as loading  # noqa: E402

TEXT = ("Hey! Are you coming to the climbing gym on Saturday? We could grab lunch after, "
        "my treat this time")[:100]
START = 1_780_000_000.0
# Generous limits, so that the benchmark measures the path, not refusals.
OPEN_POLICY = {
    "rate_limits": {"messages": ["1000000/minute"], "new_conversations": ["1000000/hour"]},
    "requests": {"max_unanswered": 1_000_000},
    "spam": {"duplicate_recipients": 1_000_000, "fanout_per_hour": 1_000_000},
}


def timed(fn, seconds: float, chunk: int = 200) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(chunk):
            fn()
        count += chunk
    return count, elapsed


def build(tmp: Path, pairs: int, mutual: bool) -> tuple[Service, FixedClock]:
    clock = FixedClock(START)
    service = Service.open(str(tmp / f"bench-{'mutual' if mutual else 'strangers'}.db"),
                           build_policy(OPEN_POLICY), clock)
    for i in range(pairs):
        for handle in (f"s{i}", f"r{i}"):
            service.create_account(handle, created_at=START - 400 * 86400, verified=True, birthdate="1990-01-01")
        if mutual:
            service.follow(f"s{i}", f"r{i}")
            service.follow(f"r{i}", f"s{i}")
    return service, clock


def pure_gate(service: Service, seconds: float) -> tuple[int, float]:
    with service.engine.connect() as conn:
        sender, recipient = service.account("s0", conn), service.account("r0", conn)
        facts, _ = loading.load_facts(conn, service.counters, service.policy, service.analyser,
                                      sender, recipient, TEXT, loading.parse_client(None),
                                      service.now())
    policy = service.policy
    return timed(lambda: decide(facts, policy), seconds)


def full_sends(service: Service, clock: FixedClock, pairs: int, seconds: float) -> tuple[int, float]:
    state = {"i": 0}

    def one() -> None:
        i = state["i"] = state["i"] + 1
        clock.advance(0.001)
        result = service.send(f"s{i % pairs}", f"r{i % pairs}", f"{TEXT[:90]} #{i}")
        assert result.outcome != "refused", result.reasons("moderator")

    return timed(one, seconds)


def batched_sends(service: Service, clock: FixedClock, pairs: int, seconds: float,
                   size: int = 32) -> tuple[int, float]:
    """Full sends, `size` at a time through Service.send_many (one commit each batch)."""
    state = {"i": 0}

    def one_batch() -> None:
        batch = []
        for _ in range(size):
            i = state["i"] = state["i"] + 1
            batch.append(SendAttempt(f"s{i % pairs}", f"r{i % pairs}", f"{TEXT[:90]} #{i}"))
        clock.advance(0.001 * size)
        for result in service.send_many(batch):
            assert not isinstance(result, Exception) and result.outcome != "refused", result

    count, elapsed = timed(one_batch, seconds, chunk=10)
    return count * size, elapsed


MEASURES = (  # label, target, run(service, clock, pairs, seconds)
    ("pure gate decisions", "50,000", lambda service, clock, pairs, seconds:
        pure_gate(service, seconds)),
    ("full sends on SQLite, a commit each", "3,000", full_sends),
    ("full sends on SQLite, send_many(32)", "3,000", batched_sends),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs on fresh stores; prints the median and the range")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, "
          f"python {platform.python_version()}, {platform.platform()}, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        for mutual in (False, True):
            label = "mutuals" if mutual else "strangers"
            rates: list[list[float]] = [[] for _ in MEASURES]
            for run_number in range(args.repeat):
                store = Path(tmp) / f"{label}-{run_number}"
                store.mkdir()
                service, clock = build(store, args.pairs, mutual)
                # In turn on one store, as a sender's history builds up in use.
                for found, (_, _, run) in zip(rates, MEASURES, strict=True):
                    n, t = run(service, clock, args.pairs, args.seconds)
                    found.append(n / t)
                service.close()
            for found, (name, target, _) in zip(rates, MEASURES, strict=True):
                spread = (f"  (runs {min(found):,.0f}-{max(found):,.0f})"
                          if len(found) > 1 else "")
                print(f"{label:9} {name:36} {statistics.median(found):>9,.0f}/s  "
                      f"target >= {target}/s{spread}")


if __name__ == "__main__":
    main()
