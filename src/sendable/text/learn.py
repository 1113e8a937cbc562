"""Training the spam and abuse detectors from labels, and the shipped defaults.

The evidence each detector stacks with its text model is computed here exactly
as the send path computes it (shell/content.py): for spam the hand-made score,
for abuse the offensive model's probability and whether a non-severe or a severe
rule category flagged the text.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from sendable.text.detectors import Detector, train
from sendable.text.guidelines import GuidelineClassifier
from sendable.text.links import extract_links
from sendable.text.normalise import TextForms
from sendable.text.spam import score_content

MIN_PER_CLASS = 10  # fewer labels of either class: no model is trained
DEFAULT_SPAM = "data/spam_model.json"


def spam_evidence(texts: Sequence[str]) -> np.ndarray:
    """(n, 1): each text's hand-made score."""
    return np.array([[score_content(t, extract_links(t), None).score] for t in texts],
                    dtype=float).reshape(len(texts), 1)


def abuse_evidence(texts: Sequence[str], rules: GuidelineClassifier
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(n, 3) offensive P, rule, severe; and the rule and severe flags."""
    readings = rules.read_many([TextForms(t) for t in texts])
    extra = np.array([r.evidence() for r in readings], dtype=float).reshape(len(texts), 3)
    return extra, extra[:, 1] > 0, extra[:, 2] > 0


class TooFewLabels(ValueError):
    pass


def _check(y: np.ndarray, counted: np.ndarray, kind: str) -> None:
    pos, neg = int(y[counted].sum()), int((~y[counted]).sum())
    if min(pos, neg) < MIN_PER_CLASS:
        raise TooFewLabels(f"{kind}: {pos} positive and {neg} negative labels; at least "
                           f"{MIN_PER_CLASS} of each are needed to train")


def train_spam(rows: Sequence[tuple[bool, str]], target: float,
               base: Sequence[tuple[bool, str]] = ()) -> Detector:
    """A spam detector from ``rows`` (is_spam, text); ``base`` rows are learned from
    but not counted in the thresholds and figures."""
    texts = [t for _, t in base] + [t for _, t in rows]
    y = np.array([bool(v) for v, _ in base] + [bool(v) for v, _ in rows])
    counted = np.array([False] * len(base) + [True] * len(rows))
    _check(y, counted, "spam")
    return train("spam", texts, y, spam_evidence(texts), counted, target)


def train_abuse(rows: Sequence[tuple[bool, str]], target: float,
                rules: GuidelineClassifier) -> Detector:
    """An abuse detector from ``rows`` (is_abusive, text), stacked with ``rules``."""
    texts = [t for _, t in rows]
    y = np.array([bool(v) for v, _ in rows])
    counted = np.ones(len(rows), bool)
    _check(y, counted, "abuse")
    extra, rule, severe = abuse_evidence(texts, rules)
    return train("abuse", texts, y, extra, counted, target, rule=rule, severe=severe)


@cache
def default_spam() -> Detector | None:
    """The shipped spam detector (trained on data/training, see data/README.md)."""
    res = resources.files("sendable.text").joinpath(DEFAULT_SPAM)
    if not res.is_file():
        return None
    detector = Detector.from_json(res.read_text("utf-8"))
    detector.summary.setdefault("source", "shipped")
    return detector


def read_rows(path: Path, positive: str, negative: str) -> list[tuple[bool, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [(row["label"] == positive, row["text"]) for row in csv.DictReader(fh)
                if row["label"] in (positive, negative)]
