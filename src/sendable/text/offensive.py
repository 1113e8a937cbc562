"""The offensive-language model of alt-profanity-check, read from JSON and scored fast.

That package ships a TF-IDF vectoriser feeding a CalibratedClassifierCV of five
linear SVMs with sigmoid calibration, as joblib pickles. sendable loads no pickle:
data/offensive/export.py re-encoded the weights once as
text/data/offensive_model.json (per word its idf and the five coefficients, per
fold its calibration), and this module computes the same probability with a dict
per word (~20 µs rather than ~4 ms through predict_prob()). tests/text/
test_offensive.py checks it reproduces the package's own figures.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from importlib import resources
from itertools import chain, repeat
from operator import add

import numpy as np


class _LinearCalibrated:
    """mean over folds of sigmoid(-(a·(w·x + c) + b)), x = l2-normalised tf-idf."""

    def __init__(self, data: dict) -> None:
        if data.get("format") != 1:
            raise ValueError(f"unknown offensive model format {data.get('format')!r}")
        self._params = tuple((float(a), float(b), float(c)) for a, b, c in data["calibration"])
        self._weights: dict[str, tuple[float, tuple[float, ...]]] = {
            term: (float(v[0]), tuple(map(float, v[1:]))) for term, v in data["words"].items()
        }
        self._pattern = re.compile(data["token_pattern"])
        self.reference: dict[str, float] = dict(data.get("reference", {}))
        # The same weights as arrays, for whole batches: row j + 1 of each is a word's
        # (index 0: a token the model does not know).
        self._index = {term: j + 1 for j, term in enumerate(self._weights)}
        self._idf = np.array([0.0] + [v[0] for v in self._weights.values()])
        self._coef = np.array([[0.0] * len(self._params)]
                              + [list(v[1]) for v in self._weights.values()])
        self._abc = np.array(self._params).T  # (3, folds)

    def __call__(self, text: str) -> float:
        return self.score_tokens(self._pattern.findall(text.lower()))

    def score_tokens(self, tokens: Iterable[str]) -> float:
        """The probability for a text whose analyser tokens are ``tokens`` (in order)."""
        weights = self._weights
        counts = Counter(filter(weights.__contains__, tokens))
        margins = [0.0] * len(self._params)
        norm = 0.0
        for term, n in counts.items():
            idf, ws = weights[term]
            v = n * idf
            norm += v * v
            margins = list(map(add, margins, map(v.__mul__, ws)))  # margins[k] += v * ws[k]
        scale = 1.0 / math.sqrt(norm) if norm else 0.0
        total = 0.0
        for (a, b, c), m in zip(self._params, margins, strict=True):
            z = a * (m * scale + c) + b
            total += 1.0 / (1.0 + math.exp(z)) if z > -700 else 1.0
        return total / len(self._params)


    def score_many(self, token_lists: Sequence[Sequence[str]]) -> np.ndarray:
        """score_tokens of each token list, a batch in a few numpy passes (equal to
        score_tokens up to float rounding in the last bits; tests hold them to it)."""
        n = len(token_lists)
        lengths = np.fromiter(map(len, token_lists), dtype=np.int64, count=n)
        flat = list(chain.from_iterable(token_lists))
        ids = np.fromiter(map(self._index.get, flat, repeat(0)), dtype=np.int64,
                          count=len(flat))
        rows = np.repeat(np.arange(n, dtype=np.int64), lengths)
        known = ids > 0
        # Each (text, word) once, with how often the text has it: v = count x idf.
        pair, count = np.unique(rows[known] * len(self._idf) + ids[known], return_counts=True)
        row, word = np.divmod(pair, len(self._idf))
        v = count * self._idf[word]
        norm = np.bincount(row, weights=v * v, minlength=n)
        margins = np.stack([np.bincount(row, weights=v * self._coef[word, k], minlength=n)
                            for k in range(self._coef.shape[1])], axis=1)
        scale = np.divide(1.0, np.sqrt(norm), out=np.zeros(n), where=norm > 0)
        a, b, c = self._abc
        z = a * (margins * scale[:, None] + c) + b
        with np.errstate(over="ignore"):
            p = np.where(z > -700, 1.0 / (1.0 + np.exp(z)), 1.0)
        return p.sum(axis=1) / len(self._params)


@cache
def _model() -> _LinearCalibrated:
    text = resources.files("sendable.text").joinpath("data/offensive_model.json").read_text("utf-8")
    return _LinearCalibrated(json.loads(text))


@cache
def tokens_scorer() -> Callable[[Iterable[str]], float] | None:
    """Scores the vectoriser's tokens directly: the lowercase ``\\w\\w+`` words of a
    text, in order."""
    model = _model()
    return model.score_tokens if model._pattern.pattern == r"(?u)\b\w\w+\b" else None


@cache
def batch_scorer() -> Callable[[Sequence[Sequence[str]]], np.ndarray]:
    """Probabilities of a batch of texts given as their vectoriser tokens."""
    return _model().score_many


def tokens_of(text: str) -> list[str]:
    """The vectoriser's tokens of ``text``."""
    return _model()._pattern.findall(text.lower())


@cache
def offensive_scorer() -> Callable[[str], float]:
    """Probability (0..1) that a text is offensive. Loaded once per process."""
    return _model()


def reference_probabilities() -> dict[str, float]:
    """What the package's own predict_prob() gave for a few texts when it was exported."""
    return _model().reference
