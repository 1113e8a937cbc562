"""Build the shipped default spam detector from data/training/spam.csv.

    .venv/bin/python data/build_defaults.py

Writes src/sendable/text/data/spam_model.json (weights, stacker, out-of-fold scores;
JSON, no pickle) and prints its cross-validated figures. Training is deterministic
(fixed fold seed, liblinear), so a rebuild from the same data gives the same file.
Only data written for this project goes in (see data/README.md).
"""

from __future__ import annotations

import json
from pathlib import Path

from sendable.text.learn import DEFAULT_SPAM, read_rows, train_spam

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    rows = read_rows(ROOT / "data/training/spam.csv", "spam", "ham")
    detector = train_spam(rows, 0.005)
    detector.summary["source"] = "shipped: data/training/spam.csv"
    out = ROOT / "src/sendable/text" / DEFAULT_SPAM
    out.write_text(detector.to_json() + "\n", encoding="utf-8")
    print(f"wrote {out} ({out.stat().st_size // 1024} KiB)")
    print(json.dumps(detector.summary, indent=1))


if __name__ == "__main__":
    main()
