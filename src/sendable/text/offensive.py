"""The offensive-language model of alt-profanity-check, scored fast.

The package's predict_prob() goes through scikit-learn's generic validation
and costs ~4 ms per message. Its model is a TF-IDF vectoriser feeding a
CalibratedClassifierCV of linear SVMs with sigmoid calibration, so we read
those weights once and compute the same probability with a dict per word
(~20 µs). If the shipped model ever has another shape, we fall back to
predict_prob() itself. tests/text/test_guidelines.py checks both agree.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Callable, Iterable
from functools import cache
from operator import add


class _LinearCalibrated:
    """mean over folds of sigmoid(-(a·(w·x + c) + b)), x = l2-normalised tf-idf."""

    def __init__(self, vectorizer: object, model: object) -> None:
        folds = model.calibrated_classifiers_  # type: ignore[attr-defined]
        params = []
        for fold in folds:
            (cal,) = fold.calibrators
            est = fold.estimator
            params.append((float(cal.a_), float(cal.b_), float(est.intercept_[0])))
        self._params = tuple(params)
        coefs = [fold.estimator.coef_[0] for fold in folds]
        idf = vectorizer.idf_  # type: ignore[attr-defined]
        self._weights: dict[str, tuple[float, tuple[float, ...]]] = {
            term: (float(idf[j]), tuple(float(c[j]) for c in coefs))
            for term, j in vectorizer.vocabulary_.items()  # type: ignore[attr-defined]
        }
        self._analyze: Callable[[str], list[str]] = vectorizer.build_analyzer()  # type: ignore[attr-defined]

    def __call__(self, text: str) -> float:
        return self.score_tokens(self._analyze(text))

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


def _fits_fast_path(vectorizer: object, model: object) -> bool:
    try:
        params = vectorizer.get_params()  # type: ignore[attr-defined]
        folds = model.calibrated_classifiers_  # type: ignore[attr-defined]
        return (
            params["norm"] == "l2" and params["use_idf"] and not params["sublinear_tf"]
            and not params["binary"] and params["analyzer"] == "word"
            and model.method == "sigmoid"  # type: ignore[attr-defined]
            and list(model.classes_) == [0, 1]  # type: ignore[attr-defined]
            and all(len(f.calibrators) == 1 and f.estimator.coef_.shape[0] == 1 for f in folds)
        )
    except (AttributeError, KeyError, TypeError):
        return False


@cache
def tokens_scorer() -> Callable[[Iterable[str]], float] | None:
    """Scores the vectoriser's tokens directly: for the shipped model, the
    lowercase ``\\w\\w+`` words of a text, in order. None when the model is
    not one the fast path reads, or splits text some other way."""
    scorer = offensive_scorer()
    if not isinstance(scorer, _LinearCalibrated):
        return None
    from profanity_check.profanity_check import vectorizer

    params = vectorizer.get_params()
    splits_words = (
        params["token_pattern"] == r"(?u)\b\w\w+\b" and params["lowercase"]
        and params["ngram_range"] == (1, 1) and params["preprocessor"] is None
        and params["tokenizer"] is None and params["strip_accents"] is None
    )
    return scorer.score_tokens if splits_words else None


@cache
def offensive_scorer() -> Callable[[str], float]:
    """Probability (0..1) that a text is offensive. Loaded once per process."""
    with warnings.catch_warnings():
        # Unpickling the shipped model under a newer scikit-learn only warns.
        warnings.simplefilter("ignore")
        from profanity_check import predict_prob
        from profanity_check.profanity_check import model, vectorizer
    if _fits_fast_path(vectorizer, model):
        return _LinearCalibrated(vectorizer, model)
    return lambda text: float(predict_prob([text])[0])


def reference_probability(text: str) -> float:
    """The package's own predict_prob(), for checking the fast path."""
    offensive_scorer()  # import under the same warning filter
    from profanity_check import predict_prob

    return float(predict_prob([text])[0])
