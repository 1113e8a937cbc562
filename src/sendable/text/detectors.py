"""The spam and abuse detectors: a text model stacked with the other evidence, with
the out-of-fold scores their thresholds are chosen from. See docs/detection.md."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from sendable.text import thresholds as th
from sendable.text.models import FORMAT, LinearTextModel, Stacker

SEVERE = frozenset({"hate", "self_harm", "illegal"})  # never vetoed by a model


@dataclass
class Evidence:
    """Out-of-fold scores of the labels a detector was cross-validated on."""

    scores: np.ndarray
    labels: np.ndarray
    folds: np.ndarray
    rule: np.ndarray | None = None  # abuse: a non-severe rule flagged the text
    severe: np.ndarray | None = None  # abuse: a severe category flagged it

    def to_json(self) -> dict[str, Any]:
        out = {"scores": [round(float(s), 5) for s in self.scores],
               "labels": self.labels.astype(int).tolist(), "folds": self.folds.tolist()}
        if self.rule is not None and self.severe is not None:
            out["rule"] = self.rule.astype(int).tolist()
            out["severe"] = self.severe.astype(int).tolist()
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Evidence:
        rule, severe = (np.asarray(data[k], bool) if k in data else None
                        for k in ("rule", "severe"))
        return cls(np.asarray(data["scores"], float), np.asarray(data["labels"], bool),
                   np.asarray(data["folds"], int), rule, severe)


@dataclass(eq=False)
class Detector:
    """P(positive) = stacker(text margin, *evidence); ``kind`` is spam or abuse."""

    kind: str
    text: LinearTextModel
    stacker: Stacker
    evidence: Evidence
    summary: dict[str, Any] = field(default_factory=dict)

    def proba(self, occ: tuple[np.ndarray, np.ndarray], n: int,
              extra: np.ndarray) -> np.ndarray:
        """Probabilities of ``n`` texts (features.occurrences ``occ``) with their
        other evidence ``extra`` (n x k)."""
        margins = self.text.margins_of(occ, n)
        return self.stacker.proba(np.column_stack([margins, extra]))

    def threshold(self, target: float) -> th.Choice:
        return _threshold(self, target)

    def pair(self, target: float) -> th.Pair:
        return _pair(self, target)

    def to_json(self) -> str:
        return json.dumps({"format": FORMAT, "kind": self.kind, "text": self.text.to_json(),
                           "stacker": self.stacker.to_json(),
                           "evidence": self.evidence.to_json(), "summary": self.summary},
                          separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> Detector:
        data = json.loads(raw)
        if data.get("format") != FORMAT or data.get("kind") not in ("spam", "abuse"):
            raise ValueError(f"unknown detector format {data.get('format')!r}")
        return cls(data["kind"], LinearTextModel.from_json(data["text"]),
                   Stacker.from_json(data["stacker"]), Evidence.from_json(data["evidence"]),
                   data.get("summary", {}))


@lru_cache(maxsize=32)
def _threshold(detector: Detector, target: float) -> th.Choice:
    ev = detector.evidence
    return th.choose_threshold(ev.scores, ev.labels, target)


@lru_cache(maxsize=32)
def _pair(detector: Detector, target: float) -> th.Pair:
    ev = detector.evidence
    rule = ev.rule if ev.rule is not None else np.zeros(len(ev.scores), bool)
    severe = ev.severe if ev.severe is not None else np.zeros(len(ev.scores), bool)
    return th.choose_pair(ev.scores, rule, severe, ev.labels, target)


def cross_validate(texts: Sequence[str], y: np.ndarray, extra: np.ndarray,
                   counted: np.ndarray, k: int = 5, seed: int = 2026
                   ) -> tuple[np.ndarray, np.ndarray, Stacker]:
    """Out-of-fold probabilities of every text, the fold of each, and the stacker.

    Folds are stratified by label; every text is trained on in k-1 of them and
    scored in its own. The stacker is fitted on the out-of-fold margins of the
    ``counted`` texts (its three to five weights barely overfit).
    """
    from sklearn.model_selection import StratifiedKFold

    texts = list(texts)
    margins = np.zeros(len(texts))
    folds = np.zeros(len(texts), dtype=int)
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    for f, (train, test) in enumerate(splitter.split(np.zeros(len(y)), y)):
        model = LinearTextModel.fit([texts[i] for i in train], y[train], seed)
        margins[test] = model.margins([texts[i] for i in test])
        folds[test] = f
    inputs = np.column_stack([margins, extra])
    stacker = Stacker.fit(inputs[counted], y[counted])
    return stacker.proba(inputs), folds, stacker


def train(kind: str, texts: Sequence[str], y: np.ndarray, extra: np.ndarray,
          counted: np.ndarray, target: float, k: int = 5,
          rule: np.ndarray | None = None, severe: np.ndarray | None = None) -> Detector:
    """Cross-validate, then fit the text model on every text.

    ``counted`` marks the deployment's own labels: thresholds and figures rest on
    them alone (the rest, e.g. the shipped examples, are only learned from)."""
    y = np.asarray(y, bool)
    oof, folds, stacker = cross_validate(texts, y, extra, counted, k)
    evidence = Evidence(oof[counted], y[counted], folds[counted],
                        None if rule is None else rule[counted],
                        None if severe is None else severe[counted])
    detector = Detector(kind, LinearTextModel.fit(texts, y), stacker, evidence)
    detector.summary = describe(detector, target)
    detector.summary["trained_on"] = {"texts": len(texts), "counted": int(counted.sum())}
    return detector


def describe(detector: Detector, target: float) -> dict[str, Any]:
    """Cross-validated figures at the threshold(s) ``target`` chooses."""
    ev = detector.evidence
    positives, negatives = int(ev.labels.sum()), int((~ev.labels).sum())
    if detector.kind == "spam":
        choice = detector.threshold(target)
        flagged = ev.scores >= choice.threshold
        chosen: dict[str, Any] = {"threshold": round(choice.threshold, 5)}
        trusted = choice.trusted
    else:
        pair = detector.pair(target)
        rule = ev.rule if ev.rule is not None else np.zeros(len(ev.scores), bool)
        severe = ev.severe if ev.severe is not None else np.zeros(len(ev.scores), bool)
        flagged = th.pair_flags(ev.scores, rule, severe, pair.veto, pair.add)
        chosen = {"veto_threshold": round(pair.veto, 5), "model_threshold": round(pair.add, 5)}
        trusted = pair.trusted
    warnings = []
    if not trusted:
        warnings.append(f"only {negatives} negative labels: too few to hold a false-positive "
                        f"rate of {target:g} with confidence; the threshold sits above every "
                        "negative seen")
    if positives < th.MIN_POSITIVES:
        warnings.append(f"only {positives} positive labels: recall and F1 are rough")
    return {"target_fpr": target, **chosen, "labels": {"positive": positives,
                                                       "negative": negatives},
            "cross_validated": th.fold_spread(flagged, ev.labels, ev.folds),
            "roc_auc": th.roc_auc(ev.scores, ev.labels), "warnings": warnings}
