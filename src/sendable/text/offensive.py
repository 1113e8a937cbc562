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
from collections.abc import Callable, Iterable
from functools import cache
from importlib import resources
from operator import add


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
def offensive_scorer() -> Callable[[str], float]:
    """Probability (0..1) that a text is offensive. Loaded once per process."""
    return _model()


def reference_probabilities() -> dict[str, float]:
    """What the package's own predict_prob() gave for a few texts when it was exported."""
    return _model().reference
