"""One-time conversion of alt-profanity-check's offensive-language model to JSON.

The package ships its model as joblib pickles. sendable never loads a pickle at run
time, so this script (run by hand, once per upgrade of that package) reads its
weights and writes src/sendable/text/data/offensive_model.json: per word its idf and
the coefficients of the five calibrated linear SVMs, plus each fold's sigmoid
calibration. The model was trained by that package's authors, not on our data; we
only re-encode it. A few reference probabilities from the package's own
predict_prob() go with it, and tests/text/test_offensive.py checks we reproduce them.

    .venv/bin/pip install 'alt-profanity-check>=1.5' && .venv/bin/python data/offensive/export.py
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

REFERENCE_TEXTS = [
    "you are a stupid idiot", "have a nice day", "shut up you fat ugly pig",
    "what a fucking great game", "I love you", "you're such a worthless loser",
    "see you tomorrow at the station", "go to hell", "you dumb bitch",
]


def main() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from profanity_check import predict_prob
        from profanity_check.profanity_check import model, vectorizer
    params = vectorizer.get_params()
    assert params["token_pattern"] == r"(?u)\b\w\w+\b" and params["lowercase"]
    assert params["norm"] == "l2" and not params["sublinear_tf"] and params["use_idf"]
    folds = model.calibrated_classifiers_
    calibration = []
    for fold in folds:
        (cal,) = fold.calibrators
        calibration.append([float(cal.a_), float(cal.b_), float(fold.estimator.intercept_[0])])
    coefs = [fold.estimator.coef_[0] for fold in folds]
    idf = vectorizer.idf_
    words = {term: [round(float(idf[j]), 10)] + [round(float(c[j]), 10) for c in coefs]
             for term, j in sorted(vectorizer.vocabulary_.items())}
    reference = {t: float(predict_prob([t])[0]) for t in REFERENCE_TEXTS}
    out = {"format": 1, "source": "alt-profanity-check (MIT), re-encoded by data/offensive/export.py",
           "token_pattern": params["token_pattern"], "calibration": calibration,
           "words": words, "reference": reference}
    target = Path(__file__).resolve().parents[2] / "src/sendable/text/data/offensive_model.json"
    target.write_text(json.dumps(out, separators=(",", ":"), ensure_ascii=False) + "\n")
    print(f"wrote {target} ({len(words)} words)")


if __name__ == "__main__":
    main()
