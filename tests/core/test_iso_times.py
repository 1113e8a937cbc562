"""ISO 8601 times in answers: exactly what datetime writes, however the fast path
gets there."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from sendable.clock import to_iso


def test_iso_times_are_what_datetime_writes() -> None:
    rng = random.Random(3)
    edges = [0.0, -0.5, -1.0000005, 1.9999995, 1.0000005, 1772438400.0, 1772438400.5,
             1772438400.9999996, 1772438399.0000004, 253402300799.999]
    samples = edges + [rng.uniform(-1e9, 4e9) for _ in range(20000)] + [
        round(rng.uniform(1.7e9, 1.8e9), rng.randrange(0, 8)) for _ in range(20000)]
    for ts in samples:
        assert to_iso(ts) == datetime.fromtimestamp(ts, UTC).isoformat().replace(
            "+00:00", "Z"), ts
    assert to_iso(None) is None
