"""Learned text models: a linear model over hashed n-grams, stacked with other evidence.

Training is scikit-learn's: TfidfTransformer for the idf of each column seen in
at least two training texts, LogisticRegression for the weights, and a second,
small LogisticRegression ("stacking") that combines the text model's margin
with the other evidence (the hand-made spam score; the offensive model and the
lexicons for abuse) into one probability. Scoring reads the weights directly:
per text, the sum over its feature occurrences of weight x idf, divided by the
root of the sum of idf squared (the l2 norm with every occurrence counted
apart, which needs no grouping of repeated n-grams), in two numpy bincounts per
batch.

A model persists as JSON (columns, idf, weights, the stacker's coefficients,
and the out-of-fold scores its thresholds are chosen from); never as a pickle.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from sendable.text import features

FORMAT = 1
C_TEXT = 8.0  # LogisticRegression's inverse regularisation for the text model
MIN_DF = 2  # a column seen in fewer training texts is left out


def _scale_rows(x: sp.csr_matrix, idf: np.ndarray, rows: np.ndarray,
                cols: np.ndarray) -> sp.csr_matrix:
    """x (counts) times idf per column, divided per row by sqrt(sum of idf² per occurrence)."""
    sq = np.bincount(rows, weights=idf[cols] ** 2, minlength=x.shape[0])
    inv = np.divide(1.0, np.sqrt(sq), out=np.zeros_like(sq), where=sq > 0)
    return sp.diags(inv) @ (x @ sp.diags(idf))


@dataclass
class LinearTextModel:
    """Column weights over features.occurrences; margin = w·x/‖x‖ + intercept."""

    columns: np.ndarray  # int64, sorted
    idf: np.ndarray  # per column
    coef: np.ndarray  # per column
    intercept: float
    _dense: np.ndarray | None = field(default=None, repr=False)

    def _table(self) -> np.ndarray:
        """Per column (weight x idf, idf²) side by side: one gather reads both."""
        if self._dense is None:
            t = np.zeros((features.BUCKETS, 2), dtype=np.float64)
            t[self.columns, 0] = self.coef * self.idf
            t[self.columns, 1] = self.idf ** 2
            self._dense = t
        return self._dense

    def margins_of(self, occ: tuple[np.ndarray, np.ndarray], n: int) -> np.ndarray:
        """Margins of ``n`` texts whose features.occurrences are ``occ``."""
        rows, cols = occ
        wq = self._table()[cols]
        num = np.bincount(rows, weights=wq[:, 0], minlength=n)
        sq = np.bincount(rows, weights=wq[:, 1], minlength=n)
        out = np.divide(num, np.sqrt(sq), out=np.zeros(n), where=sq > 0)
        return out + self.intercept

    def margins(self, texts: Sequence[str]) -> np.ndarray:
        return self.margins_of(features.occurrences(texts), len(texts))

    @classmethod
    def fit(cls, texts: Sequence[str], y: np.ndarray, seed: int = 0) -> LinearTextModel:
        from sklearn.feature_extraction.text import TfidfTransformer
        from sklearn.linear_model import LogisticRegression

        rows, cols = features.occurrences(texts)
        x = sp.csr_matrix((np.ones(len(rows)), (rows, cols)),
                          shape=(len(texts), features.BUCKETS))
        df = np.bincount(x.indices, minlength=features.BUCKETS)
        keep = np.flatnonzero(df >= MIN_DF)
        sub = x[:, keep]
        idf = TfidfTransformer(smooth_idf=True).fit(sub).idf_
        full_idf = np.zeros(features.BUCKETS)
        full_idf[keep] = idf
        xs = _scale_rows(x, full_idf, rows, cols)[:, keep]
        lr = LogisticRegression(C=C_TEXT, solver="liblinear", random_state=seed,
                                class_weight="balanced")
        lr.fit(xs, y)
        return cls(keep.astype(np.int64), idf, lr.coef_[0].copy(), float(lr.intercept_[0]))

    def to_json(self) -> dict[str, Any]:
        return {"columns": self.columns.tolist(),
                "idf": [round(float(v), 6) for v in self.idf],
                "coef": [round(float(v), 6) for v in self.coef],
                "intercept": self.intercept}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LinearTextModel:
        columns = np.asarray(data["columns"], dtype=np.int64)
        idf = np.asarray(data["idf"], dtype=np.float64)
        coef = np.asarray(data["coef"], dtype=np.float64)
        if not (len(columns) == len(idf) == len(coef)) or (
                len(columns) and (columns.min() < 0 or columns.max() >= features.BUCKETS)):
            raise ValueError("text model: columns, idf and coef do not fit together")
        return cls(columns, idf, coef, float(data["intercept"]))


@dataclass(frozen=True)
class Stacker:
    """P(positive) = sigmoid(coef · [margin, *evidence] + intercept)."""

    coef: tuple[float, ...]
    intercept: float

    def proba(self, inputs: np.ndarray) -> np.ndarray:
        z = inputs @ np.asarray(self.coef) + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))

    @classmethod
    def fit(cls, inputs: np.ndarray, y: np.ndarray) -> Stacker:
        from sklearn.linear_model import LogisticRegression

        lr = LogisticRegression(C=1.0, solver="lbfgs").fit(inputs, y)
        return cls(tuple(float(c) for c in lr.coef_[0]), float(lr.intercept_[0]))

    def to_json(self) -> dict[str, Any]:
        return {"coef": list(self.coef), "intercept": self.intercept}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Stacker:
        return cls(tuple(float(c) for c in data["coef"]), float(data["intercept"]))


def finite(x: float) -> bool:
    return isinstance(x, int | float) and math.isfinite(x)
