"""The backtest's oracle: a week of mixed traffic on the fixed clock, logged under the
live policy, re-decided under a candidate, must give exactly what a fresh service on
the candidate gives the same traffic (rate-limit windows and conversations included)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from sendable.clock import FixedClock, parse_iso
from sendable.errors import ServiceError
from sendable.policy import build_policy
from sendable.service import SendAttempt, Service

START = parse_iso("2026-03-02T08:00:00Z")
DAY = 86400.0
PEOPLE = ["ann", "bo", "cy", "dee", "eli", "fay", "gus", "hal", "ivy", "jo"]
FRIENDS = [("ann", "bo"), ("ann", "cy"), ("bo", "cy"), ("dee", "eli"), ("fay", "gus"),
           ("ann", "dee"), ("hal", "ivy")]
PLAIN = ["hey, lunch tomorrow?", "running late, sorry", "did you see the game",
         "sending the notes now", "thanks again!", "what time works for you?",
         "ok sounds good", "can you call me later"]
SPAMMY = ["claim your bitcoin airdrop", "limited offer 90% off", "100% free crypto bonus, act now",
          "exclusive giveaway, free money"]
TERMED = ["win a free iphone today", "iphone raffle tonight, join"]
ABUSE = ["you are a worthless idiot and everyone hates you"]
HELD = ["they say vaccines cause autism, pass it on"]
LIVE: dict[str, Any] = {"new_accounts": {"days": 0}}
CANDIDATE: dict[str, Any] = {
    "new_accounts": {"days": 0},
    "spam": {"content_threshold": 0.5, "blocked_terms": ["iphone"]},
    "rate_limits": {"messages": ["6/minute", "600/hour"], "new_conversations": ["4/hour"]},
}


def traffic(seed: int = 19) -> list[tuple]:
    """A week of steps: sends (bursts among them), replies, accepts and declines."""
    rng = random.Random(seed)
    steps: list[tuple] = []
    t = 0.0
    while t < 7 * DAY:
        t += rng.choice([5, 20, 60, 300, 1800, 3600])
        kind = rng.random()
        sender = rng.choice(PEOPLE)
        to = rng.choice([p for p in PEOPLE if p != sender])
        if kind < 0.08:  # a burst to a friend: rate limits
            friend = next((b if a == sender else a for a, b in FRIENDS if sender in (a, b)), to)
            for i in range(rng.randint(7, 14)):
                steps.append(("send", t + i * 3, sender, friend, rng.choice(PLAIN)))
            t += 60
        elif kind < 0.12:  # a spammer writes to many strangers
            for i, other in enumerate(p for p in PEOPLE if p != sender):
                steps.append(("send", t + i, sender, other, rng.choice(SPAMMY + TERMED)))
            t += 30
        elif kind < 0.16:
            steps.append(("group", t, sender, "club", rng.choice(PLAIN + SPAMMY)))
        elif kind < 0.19:
            steps.append(("accept" if rng.random() < 0.7 else "decline", t, sender, to))
        else:
            text = rng.choice(PLAIN * 6 + SPAMMY * 2 + TERMED + ABUSE + HELD)
            steps.append(("send", t, sender, to, text))
    return sorted(steps, key=lambda s: s[1])


def build(path: Path, policy: dict[str, Any]) -> tuple[Service, FixedClock]:
    clock = FixedClock(START - 30 * DAY)
    service = Service.open(str(path), build_policy(policy), clock)
    for p in PEOPLE:
        service.create_account(p, birthdate="1990-01-01", verified=True,
                               created_at=START - 60 * DAY)
    for a, b in FRIENDS:
        service.follow(a, b)
        service.follow(b, a)
    club = service.groups.create("ann", "club", ["bo", "cy"])
    for m in ("bo", "cy"):
        service.groups.join(m, club.group["id"])
    clock.set(START)
    return service, clock


def play(service: Service, clock: FixedClock, steps: list[tuple]) -> list[tuple[str, tuple]]:
    """Run the steps; each send's outcome and codes, in order."""
    out = []
    for step in steps:
        clock.set(START + step[1])
        kind = step[0]
        try:
            if kind == "send":
                r = service.send(step[2], step[3], step[4])
                out.append((r.outcome, tuple(f.code for f in r.decision.findings)))
            elif kind == "group":
                r = service.send_many([SendAttempt(step[2], None, step[4], group=1)])[0]
                if isinstance(r, ServiceError):
                    raise r
                out.append((r.outcome, tuple(f.code for f in r.decision.findings)))
            elif kind == "accept":
                service.accept(step[2], step[3])
            else:
                service.decline(step[2], step[3])
        except ServiceError:
            if kind in ("send", "group"):
                out.append(("error", ()))
    return out


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("week")
    steps = traffic()
    live, clock = build(tmp / "live.db", LIVE)
    logged = play(live, clock, steps)
    fresh, fresh_clock = build(tmp / "fresh.db", CANDIDATE)
    oracle = play(fresh, fresh_clock, steps)
    yield {"live": live, "clock": clock, "logged": logged, "oracle": oracle}
    live.close()
    fresh.close()


def test_the_week_is_mixed(week: dict[str, Any]) -> None:
    outcomes = {o for o, _ in week["logged"]}
    assert {"delivered", "requested", "held", "refused"} <= outcomes
    changed = sum(a != b for a, b in zip(week["logged"], week["oracle"], strict=True))
    assert changed > 20  # the candidate does change things


def test_backtesting_the_live_policy_changes_nothing(week: dict[str, Any]) -> None:
    live = week["live"]
    report = live.lab.backtest(live.policy, START, START + 8 * DAY)
    assert report["attempts"] == sum(o != "error" for o, _ in week["logged"])
    assert report["changed"] == 0 and report["not_redecidable"] == 0


def test_the_candidate_changes_exactly_what_a_fresh_replay_does(week: dict[str, Any]) -> None:
    live = week["live"]
    candidate = build_policy(CANDIDATE)
    redecided = [(r.outcome, r.codes) for r in
                 live.lab.redecide(candidate, START, START + 8 * DAY)]
    expected = [x for x in week["oracle"] if x[0] != "error"]
    logged = [x for x in week["logged"] if x[0] != "error"]
    assert len(redecided) == len(expected) == len(logged)
    mismatches = [(i, logged[i], got, want) for i, (got, want)
                  in enumerate(zip(redecided, expected, strict=True)) if got != want]
    assert mismatches == []
    report = live.lab.backtest(candidate, START, START + 8 * DAY)
    changes = sum(a != b for a, b in zip(logged, expected, strict=True))
    assert report["changed"] == changes
    codes = {c["code"] for c in report["codes"]}
    assert {"spam.content", "rate.messages"} <= codes
