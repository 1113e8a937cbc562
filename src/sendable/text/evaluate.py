"""Measure a text classifier against a hand-labelled CSV set."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from os import PathLike

from sendable.text.guidelines import GuidelineClassifier

_FLAGGING_ACTIONS = frozenset({"block", "hold"})


def _ratio(num: int, den: int) -> float:
    return num / den if den else 0.0


def binary_metrics(pairs: Iterable[tuple[bool, bool]]) -> dict:
    """n, precision, recall, f1, false_positive_rate from (truth, predicted) pairs.

    A ratio with nothing to divide by is 0.0, so an empty set reports zeros.
    """
    tp = fp = tn = fn = 0
    for truth, predicted in pairs:
        if truth and predicted:
            tp += 1
        elif predicted:
            fp += 1
        elif truth:
            fn += 1
        else:
            tn += 1
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    return {
        "n": tp + fp + tn + fn,
        "precision": precision,
        "recall": recall,
        "f1": _ratio(2 * precision * recall, precision + recall),
        "false_positive_rate": _ratio(fp, fp + tn),
    }


def read_labelled_csv(
    path: str | PathLike[str], positive: str, negative: str
) -> list[tuple[bool, str]]:
    """Rows of a ``label,text`` CSV as (is_positive, text); a bad label is a ValueError."""
    rows: list[tuple[bool, str]] = []
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None or [h.strip().lower() for h in header[:2]] != ["label", "text"]:
            raise ValueError(f"{path}: line 1: expected header 'label,text', got {header!r}")
        for row in reader:
            line = reader.line_num
            if not row or all(not cell.strip() for cell in row):
                continue
            if len(row) != 2:
                raise ValueError(f"{path}: line {line}: expected 2 columns, got {len(row)}")
            label, text = row[0].strip(), row[1]
            if label == positive:
                rows.append((True, text))
            elif label == negative:
                rows.append((False, text))
            else:
                raise ValueError(
                    f"{path}: line {line}: bad label {label!r} "
                    f"(expected {positive!r} or {negative!r})"
                )
    return rows


def evaluate_guidelines(
    rows: Iterable[tuple[bool, str]],
    classifier: GuidelineClassifier,
    actions: Mapping[str, str],
) -> dict:
    """binary_metrics of "flagged" against the label (True = abusive), plus the
    texts it got wrong under "false_positives" and "false_negatives".

    A message is flagged when any category it matched has the action block
    or hold; categories absent from ``actions`` are not acted on.
    """
    pairs = []
    false_positives: list[str] = []
    false_negatives: list[str] = []
    for truth, text in rows:
        matched = classifier.classify(text)
        flagged = any(actions.get(category) in _FLAGGING_ACTIONS for category in matched)
        pairs.append((truth, flagged))
        if flagged and not truth:
            false_positives.append(text)
        elif truth and not flagged:
            false_negatives.append(text)
    return {
        **binary_metrics(pairs),
        "false_positives": false_positives,
        "false_negatives": false_negatives,
    }
