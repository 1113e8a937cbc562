"""Measure spam.content decisions against a labelled set."""

from __future__ import annotations

from collections.abc import Iterable
from os import PathLike

from sendable.text.evaluate import binary_metrics, read_labelled_csv
from sendable.text.links import extract_links
from sendable.text.normalise import TermMatcher
from sendable.text.spam import score_content
from sendable.text.spam_model import SpamModel


def is_flagged(
    text: str, threshold: float, model: SpamModel | None, blocked_terms: TermMatcher | None
) -> bool:
    """The spam.content decision: a blocked term alone, or score ≥ threshold."""
    result = score_content(text, extract_links(text), blocked_terms, model)
    return bool(result.blocked_terms) or result.score >= threshold


def evaluate_spam(
    rows: Iterable[tuple[bool, str]],
    threshold: float,
    model: SpamModel | None,
    blocked_terms: TermMatcher | None,
) -> dict:
    """{"n", "precision", "recall", "f1", "false_positive_rate"} over ``(is_spam, text)`` rows."""
    return binary_metrics(
        (is_spam, is_flagged(text, threshold, model, blocked_terms)) for is_spam, text in rows
    )


def read_spam_csv(path: str | PathLike[str]) -> list[tuple[bool, str]]:
    """A ``label,text`` CSV with labels ``spam``/``ham`` as ``(is_spam, text)`` rows."""
    return read_labelled_csv(path, positive="spam", negative="ham")
