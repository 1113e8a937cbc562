"""Backtest speed: re-decide N logged attempts under a candidate, on one core.

    python bench/backtest.py                  # 1,000,000 attempts (the bar: under 60 s)
    python bench/backtest.py --attempts 200000 --text

Logs a seed of mixed traffic through the real send path (a week-like mix of
friends, strangers, bursts, spam and a group, on a fixed clock), then copies its
records forward in time until the log holds N attempts (each copy an hour later,
so windows stay as busy as the seed's). Then it backtests a candidate with a lower
spam threshold and stricter rate limits (no text rule changed: the logged text
findings serve) and prints attempts/s and peak memory; `--text` also backtests one
that adds a blocked term, which reads every kept text again.
"""

from __future__ import annotations

import argparse
import random
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from sendable.clock import FixedClock, parse_iso
from sendable.policy import build_policy
from sendable.service import SendAttempt, Service

START = parse_iso("2026-03-02T08:00:00Z")
PEOPLE = [f"p{i}" for i in range(300)]
TEXTS = ["hey, lunch tomorrow?", "running late, sorry", "did you see the game",
         "thanks again!", "claim your bitcoin airdrop", "limited offer 90% off",
         "win a free iphone today", "ok sounds good", "what time works for you?"]
LIVE = {"new_accounts": {"days": 0}}
CANDIDATE = {"new_accounts": {"days": 0}, "spam": {"content_threshold": 0.5},
             "rate_limits": {"messages": ["6/minute", "600/hour"],
                             "new_conversations": ["4/hour"]}}


def seed(db: Path, n: int) -> tuple[Service, float]:
    """Log `n` attempts of mixed traffic within one hour; returns the span they cover."""
    clock = FixedClock(START - 86400)
    service = Service.open(str(db), build_policy(LIVE), clock)
    service.lab.record_live()
    for p in PEOPLE:
        service.create_account(p, birthdate="1990-01-01", verified=True,
                               created_at=START - 90 * 86400)
    rng = random.Random(7)
    for i in range(0, len(PEOPLE), 2):
        service.follow(PEOPLE[i], PEOPLE[i + 1])
        service.follow(PEOPLE[i + 1], PEOPLE[i])
    group = service.groups.create("p0", "club", ["p1"]).group["id"]
    service.groups.join("p1", group)
    clock.set(START)
    step = 3500.0 / n
    batch: list[SendAttempt] = []
    for i in range(n):
        clock.set(START + i * step)
        # a few busy senders (bursts, rate limits), most people now and then
        sender = rng.choice(PEOPLE[:10]) if rng.random() < 0.3 else rng.choice(PEOPLE)
        if rng.random() < 0.05:
            batch.append(SendAttempt("p0", None, rng.choice(TEXTS), group=group))
        else:
            near = PEOPLE.index(sender)  # friends and neighbours, now and then a stranger
            to = PEOPLE[(near + rng.choice([1, 1, 2, 3, 5, rng.randrange(len(PEOPLE))]))
                        % len(PEOPLE)]
            if to == sender:
                continue
            batch.append(SendAttempt(sender, to, rng.choice(TEXTS)))
        service.send_many(batch)
        batch = []
    return service, 3600.0


def replicate(db: Path, total: int, span: float) -> int:
    """Copy the seed's records forward, `span` seconds a copy, until `total` are logged."""
    con = sqlite3.connect(db)
    seeded = con.execute("SELECT COUNT(*) FROM attempts").fetchone()[0]
    cols = ("sender_id, recipient_id, group_id, outcome, codes, digest, models, facts, "
            "content, text, message_id, strike_id")
    copies = 0
    while seeded * (copies + 1) < total:
        copies += 1
        con.execute(f"INSERT INTO attempts (at, {cols}) SELECT at + ?, {cols} FROM attempts "
                    "WHERE id <= ? ORDER BY id", (copies * span, seeded))
    con.execute("DELETE FROM attempts WHERE id > ?", (total,))
    con.commit()
    count = con.execute("SELECT COUNT(*) FROM attempts").fetchone()[0]
    con.close()
    return count


def run(service: Service, name: str, overrides: dict, until: float) -> None:
    candidate = build_policy(overrides)
    t0, c0 = time.perf_counter(), time.process_time()
    report = service.lab.backtest(candidate, START, until)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{name}: {report['attempts']} attempts in {wall:.1f} s "
          f"({report['attempts'] / wall:,.0f} attempts/s; CPU {cpu:.1f} s), "
          f"changed {report['changed']} ({report['changed_resimulated']} re-simulated), "
          f"not re-decidable {report['not_redecidable']}; peak RSS {peak:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--attempts", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=5000)
    parser.add_argument("--text", action="store_true", help="also a candidate changing text")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        t0 = time.perf_counter()
        service, span = seed(db, args.seed)
        total = replicate(db, args.attempts, span)
        until = START + span * (total // args.seed + 2)
        print(f"python {sys.version.split()[0]}; logged {total} attempts "
              f"(seed {args.seed} through the send path) in {time.perf_counter() - t0:.0f} s")
        run(service, "candidate (thresholds, rate limits)", CANDIDATE, until)
        if args.text:
            run(service, "candidate (+ a blocked term: texts read again)",
                {**CANDIDATE, "spam": {"content_threshold": 0.5,
                                       "blocked_terms": ["iphone"]}}, until)
        service.close()


if __name__ == "__main__":
    main()
