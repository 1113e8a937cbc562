"""Measure spam.content decisions against a labelled set."""

from __future__ import annotations

from collections.abc import Iterable
from os import PathLike

import numpy as np

from sendable.text import features
from sendable.text.detectors import Detector
from sendable.text.evaluate import binary_metrics, read_labelled_csv
from sendable.text.learn import spam_evidence
from sendable.text.links import extract_links
from sendable.text.normalise import TermMatcher
from sendable.text.spam import score_content


def spam_scores(texts: list[str], detector: Detector | None) -> np.ndarray:
    """P(spam) of each text from ``detector``, or the hand score without one."""
    hand = spam_evidence(texts)
    if detector is None or not texts:
        return hand[:, 0]
    return detector.proba(features.occurrences(texts), len(texts), hand)


def evaluate_spam(
    rows: Iterable[tuple[bool, str]],
    threshold: float,
    blocked_terms: TermMatcher | None,
    detector: Detector | None = None,
) -> dict:
    """{"n", "precision", "recall", "f1", "false_positive_rate"} over ``(is_spam, text)``
    rows: flagged when a blocked term occurs or the score reaches ``threshold``."""
    rows = list(rows)
    texts = [t for _, t in rows]
    scores = spam_scores(texts, detector)
    blocked = [bool(blocked_terms.find(t)) if blocked_terms is not None else False
               for t in texts]
    return binary_metrics((is_spam, b or s >= threshold)
                          for (is_spam, _), s, b in zip(rows, scores, blocked, strict=True))


def read_spam_csv(path: str | PathLike[str]) -> list[tuple[bool, str]]:
    """A ``label,text`` CSV with labels ``spam``/``ham`` as ``(is_spam, text)`` rows."""
    return read_labelled_csv(path, positive="spam", negative="ham")


__all__ = ["evaluate_spam", "extract_links", "read_spam_csv", "score_content", "spam_scores"]
