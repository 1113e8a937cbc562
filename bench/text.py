"""Text layer cost per send: µs per component, per ContentAnalyser.analyse, and
messages/s when a batch is read together (analyse_many, the send path's way).

Run: python bench/text.py [--seconds 1]. Every call gets a different text (a
counter is appended), as real messages differ, so no cache keyed on the text
can help. Figures are CPU time (thread_time: other processes on a shared
machine do not count), the best round. Both learned models are in force (spam
trained on data/eval/spam_train.csv, abuse on data/eval/guidelines.csv).
Targets: batched >= 10,000 messages/s on one core for ~100-char messages
(issue 15); the gate's near-duplicate comparisons <= 10 µs.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sendable.gate.checks import spam as spam_check  # noqa: E402
from sendable.gate.facts import AccountFacts, Facts, History, StrangerMessage  # noqa: E402
from sendable.policy import build_policy  # noqa: E402
from sendable.shell.content import ContentAnalyser, Detectors  # noqa: E402
from sendable.text.evaluate import read_labelled_csv  # noqa: E402
from sendable.text.fingerprint import fingerprint  # noqa: E402
from sendable.text.learn import train_abuse, train_spam  # noqa: E402
from sendable.text.links import extract_links  # noqa: E402
from sendable.text.spam import score_content  # noqa: E402

# ~100 characters each, before the counter.
MESSAGES = {
    "clean": "Hey! Are you coming to the climbing gym on Saturday? We could grab lunch after, my treat this",
    "link": "Found the place I told you about, menu is at https://example.org/menu?day=sat see you there",
    "abusive": "You are such a stupid worthless idiot, nobody wants you here so just shut up and go away now",
}


def per_call(fn: Callable[[str], object], base: str, seconds: float) -> float:
    """µs per call of fn over ever-different texts: the best of rounds of 500
    calls (other processes share the machine; the best round is the cost)."""
    for i in range(50):
        fn(f"{base} warm {i}")  # lazy loads, first-use compiles
    best, count, start = float("inf"), 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        texts = [f"{base} {count + i}" for i in range(500)]
        t0 = time.thread_time()
        for t in texts:
            fn(t)
        best = min(best, time.thread_time() - t0)
        count += 500
    return best / 500 * 1e6


def trained(analyser: ContentAnalyser) -> Detectors:
    """Both learned models, as a node has them once a deployment has trained."""
    root = Path(__file__).resolve().parents[1] / "data" / "eval"
    spam = train_spam(read_labelled_csv(root / "spam_train.csv", "spam", "ham"), 0.005)
    abuse = train_abuse(read_labelled_csv(root / "guidelines.csv", "abusive", "clean"), 0.03,
                        analyser.guidelines)
    return Detectors(spam=spam, abuse=abuse, version=1)


def batched(analyser: ContentAnalyser, seconds: float, size: int = 256) -> float:
    """Messages/s of analyse_many over batches of ``size`` different ~100-char texts."""
    bases = list(MESSAGES.values())
    best, count, start = float("inf"), 0, time.perf_counter()
    while time.perf_counter() - start < seconds or count == 0:
        texts = [f"{bases[i % len(bases)]} {count + i}" for i in range(size)]
        t0 = time.thread_time()
        batch = analyser.analyse_many(texts)
        for i in range(size):
            batch.content(i, False)
        best = min(best, time.thread_time() - t0)
        count += size
    return size / best


def gate_comparisons(analyser: ContentAnalyser, history: int, seconds: float) -> float:
    """µs per spam.duplicate check against ``history`` past stranger messages."""
    now = 1_780_000_000.0
    past = tuple(
        StrangerMessage(at=now - 60 * (history - i), recipient_id=i,
                        fingerprint=fingerprint(f"{MESSAGES['clean']} {i} other words {i * 7}"))
        for i in range(history)
    )
    content = analyser.analyse(MESSAGES["clean"] + " now", with_fingerprint=True)
    facts = Facts(now=now, sender=AccountFacts(1, "s", now - 86400 * 400),
                  recipient=AccountFacts(2, "r", now - 86400 * 400),
                  history=History(stranger_messages=past), content=content)
    policy = analyser.policy
    check = spam_check._duplicates
    best, start = float("inf"), time.perf_counter()
    while time.perf_counter() - start < seconds:
        t0 = time.thread_time()
        for _ in range(500):
            check(facts, policy)
        best = min(best, time.thread_time() - t0)
    return best / 500 * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args()
    s = args.seconds
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, "
          f"python {platform.python_version()}, load {os.getloadavg()[0]:.2f}")
    analyser = ContentAnalyser(build_policy({}))
    analyser.detectors = trained(analyser)
    analyser.warm()
    for size in (1, 32, 256):
        print(f"batched analyse_many({size:3}): {batched(analyser, s, size):8.0f} messages/s"
              + ("  (target >= 10000)" if size == 256 else ""))
    for label, base in MESSAGES.items():
        links = extract_links(base)
        parts = {
            "links": per_call(extract_links, base, s),
            "classify": per_call(analyser.guidelines.classify, base, s),
            "score": per_call(
                lambda t, links=links: score_content(t, links, analyser.blocked_terms),
                base, s),
            "fingerprint": per_call(fingerprint, base, s),
        }
        compared = per_call(lambda t: analyser.analyse(t, True), base, s)
        plain = per_call(lambda t: analyser.analyse(t, False), base, s)
        print(f"{label:8} " + "  ".join(f"{k} {v:6.1f}" for k, v in parts.items())
              + f"  | analyse with fingerprint {compared:6.1f}  without {plain:6.1f} µs"
              + ("  (target <= 60)" if label == "clean" else ""))
    for n in (5, 20, 50):
        print(f"gate duplicate check vs {n:2} past fingerprints: "
              f"{gate_comparisons(analyser, n, s):6.1f} µs" + ("  (target <= 10)" if n == 20 else ""))


if __name__ == "__main__":
    main()
