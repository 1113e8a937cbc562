"""Thresholds chosen for a target false-positive rate, from out-of-fold scores.

The lowest threshold is taken whose false-positive rate on out-of-fold scores
meets the target with some confidence: the one-sided Clopper-Pearson bound at
CONFIDENCE of the FPR counted on the labels' negatives must be within the
target. So 2,400 legitimate messages at a target of 0.5% allow about 9 of them
over the line out of fold (0.37%) rather than 12, which leaves room for a new
sample to differ. With too few negatives for any false positive to be allowed
(about 280 at 0.5%), the threshold sits above every negative score and the
choice is marked untrusted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CONFIDENCE = 0.75
MIN_POSITIVES = 30  # fewer positive labels than this: the recall figures are noise


def fpr_bound(fp: int, negatives: int, confidence: float = CONFIDENCE) -> float:
    """The one-sided Clopper-Pearson upper bound of fp / negatives."""
    from scipy.stats import beta

    if negatives <= 0:
        return 1.0
    if fp >= negatives:
        return 1.0
    return float(beta.ppf(confidence, fp + 1, negatives - fp))


def allowed_false_positives(negatives: int, target: float) -> int | None:
    """The most false positives among ``negatives`` whose bound meets ``target``."""
    if fpr_bound(0, negatives) > target:
        return None
    k = max(0, int(target * negatives))
    while k > 0 and fpr_bound(k, negatives) > target:
        k -= 1
    return k


@dataclass(frozen=True)
class Choice:
    threshold: float
    trusted: bool  # enough negatives for the target to be estimated


def choose_threshold(scores: np.ndarray, y: np.ndarray, target: float) -> Choice:
    """The lowest threshold meeting ``target`` (see the module's doc)."""
    scores, y = np.asarray(scores, float), np.asarray(y, bool)
    neg = np.sort(scores[~y])[::-1]
    if len(neg) == 0:
        return Choice(0.5, False)
    k = allowed_false_positives(len(neg), target)
    trusted = k is not None
    k = 0 if k is None else k
    if k >= len(neg):
        return Choice(float(scores.min()), trusted)
    below = neg[k]  # the highest negative score left under the line
    above = scores[scores > below]
    if len(above) == 0:
        return Choice(float(np.nextafter(below, np.inf)), trusted)
    return Choice(float((below + above.min()) / 2), trusted)


def rates(flagged: np.ndarray, y: np.ndarray) -> dict[str, float]:
    flagged, y = np.asarray(flagged, bool), np.asarray(y, bool)
    tp = int((flagged & y).sum())
    fp = int((flagged & ~y).sum())
    fn = int((~flagged & y).sum())
    tn = int((~flagged & ~y).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"n": tp + fp + fn + tn, "precision": precision, "recall": recall, "f1": f1,
            "false_positive_rate": fp / (fp + tn) if fp + tn else 0.0}


METRICS = ("precision", "recall", "f1", "false_positive_rate")


def fold_spread(flagged: np.ndarray, y: np.ndarray, folds: np.ndarray) -> dict[str, dict]:
    """Each metric's mean and standard deviation over the folds, and pooled."""
    per = [rates(flagged[folds == f], y[folds == f]) for f in np.unique(folds)]
    pooled = rates(flagged, y)
    return {m: {"pooled": round(pooled[m], 4),
                "mean": round(float(np.mean([p[m] for p in per])), 4),
                "std": round(float(np.std([p[m] for p in per], ddof=1)) if len(per) > 1 else 0.0,
                             4)}
            for m in METRICS}


def recall_at_fpr(scores: np.ndarray, y: np.ndarray, target: float) -> float:
    """The best recall among thresholds whose FPR on these labels is within ``target``."""
    scores, y = np.asarray(scores, float), np.asarray(y, bool)
    neg = np.sort(scores[~y])[::-1]
    if not y.any():
        return 0.0
    k = int(np.floor(target * len(neg) + 1e-9))
    if k >= len(neg):
        return 1.0
    return float((scores[y] > neg[k]).mean())


def roc_auc(scores: np.ndarray, y: np.ndarray) -> float | None:
    from sklearn.metrics import roc_auc_score

    y = np.asarray(y, bool)
    if y.all() or not y.any():
        return None
    return float(roc_auc_score(y, scores))


@dataclass(frozen=True)
class Pair:
    """Abuse: a rule flag stands when P(abuse) >= veto; the model alone flags at >= add."""

    veto: float
    add: float
    trusted: bool


def pair_flags(p: np.ndarray, rule: np.ndarray, severe: np.ndarray, veto: float,
               add: float) -> np.ndarray:
    return severe | (rule & (p >= veto)) | (p >= add)


def choose_pair(p: np.ndarray, rule: np.ndarray, severe: np.ndarray, y: np.ndarray,
                target: float) -> Pair:
    """The (veto, add) pair that catches the most abuse with the FPR bound within
    ``target``; ties go to the fewer false positives. Severe flags always stand."""
    p, rule, severe, y = (np.asarray(p, float), np.asarray(rule, bool),
                          np.asarray(severe, bool), np.asarray(y, bool))
    negatives = int((~y).sum())
    k = allowed_false_positives(negatives, target)
    trusted = k is not None
    k = 0 if k is None else k
    grid = np.unique(np.concatenate(([0.0], np.quantile(p, np.linspace(0, 1, 101)))))
    best: tuple[int, int, float, float] | None = None  # (tp, -fp, veto, add)
    fallback: tuple[int, int, float, float] | None = None
    for veto in np.concatenate((grid, [np.inf])):
        base = severe | (rule & (p >= veto))
        rest = ~base
        # Adding at threshold a flags the rest with p >= a: sweep a over their scores.
        order = np.argsort(-p[rest], kind="stable")
        pr, yr = p[rest][order], y[rest][order]
        tp0, fp0 = int((base & y).sum()), int((base & ~y).sum())
        tps = tp0 + np.concatenate(([0], np.cumsum(yr)))
        fps = fp0 + np.concatenate(([0], np.cumsum(~yr)))
        # Only cut between distinct scores: position i flags the first i of the rest.
        cuts = np.concatenate(([0], np.flatnonzero(np.diff(pr) != 0) + 1, [len(pr)]))
        cuts = np.unique(cuts)
        t, f = tps[cuts], fps[cuts]
        ok = np.flatnonzero(f <= k)
        if len(ok):
            j = ok[np.lexsort((f[ok], -t[ok]))[0]]
            cand = (int(t[j]), -int(f[j]), float(veto), _add_at(pr, int(cuts[j])))
            if best is None or cand[:2] > best[:2]:
                best = cand
        j = int(np.lexsort((-t, f))[0])
        cand = (int(t[j]), -int(f[j]), float(veto), _add_at(pr, int(cuts[j])))
        if fallback is None or (cand[1], cand[0]) > (fallback[1], fallback[0]):
            fallback = cand
    chosen = best or fallback
    assert chosen is not None
    return Pair(min(chosen[2], 1.0 + 1e-9) if np.isfinite(chosen[2]) else 2.0,
                chosen[3] if np.isfinite(chosen[3]) else 2.0, trusted and best is not None)


def _add_at(sorted_desc: np.ndarray, i: int) -> float:
    """The add threshold that flags the first ``i`` of scores sorted high to low."""
    if i == 0:
        return np.inf
    if i < len(sorted_desc):
        return float((sorted_desc[i - 1] + sorted_desc[i]) / 2)
    return float(sorted_desc[-1])
