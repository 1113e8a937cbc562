"""Guideline classification and its measured quality."""

from pathlib import Path

import pytest

from sendable.text.evaluate import evaluate_guidelines, read_labelled_csv
from sendable.text.guidelines import CATEGORIES, CategoryMatch, GuidelineClassifier
from sendable.text.lexicons import load_lexicon
from sendable.text.offensive import offensive_scorer, reference_probabilities

EVAL_CSV = Path(__file__).resolve().parents[2] / "data" / "eval" / "guidelines.csv"
DEFAULT_ACTIONS = {c: "block" for c in CATEGORIES} | {"misinformation": "hold"}
ABUSIVE = "you are a stupid worthless idiot"


@pytest.fixture(scope="module")
def classifier() -> GuidelineClassifier:
    return GuidelineClassifier()


def test_categories_in_contract_order() -> None:
    assert CATEGORIES == (
        "harassment", "hate", "violence", "sexual", "self_harm", "illegal", "misinformation",
    )


@pytest.mark.parametrize("category", CATEGORIES)
def test_every_category_has_a_lexicon(category: str) -> None:
    terms = load_lexicon(category)
    assert terms and all(t == t.strip() and not t.startswith("#") for t in terms)


def test_clean_text_matches_nothing(classifier: GuidelineClassifier) -> None:
    assert classifier.classify("hey, are we still on for dinner tonight?") == {}
    assert classifier.classify("") == {}
    assert classifier.classify("!!! 123 :)") == {}


def test_lexicon_match_names_terms_and_source(classifier: GuidelineClassifier) -> None:
    result = classifier.classify("go k1ll y0urs3lf")
    assert list(result) == ["harassment", "self_harm"]  # contract order
    assert result["self_harm"] == CategoryMatch(
        category="self_harm", terms=("kill yourself",), score=1.0, sources=("lexicon",)
    )
    assert "kill yourself" in result["harassment"].terms


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("i wіll kіll уоu", "violence"),  # Cyrillic look-alikes
        ("send   nuuudes", "sexual"),
        ("selling c0caine dm me", "illegal"),
        ("VACCINES CAUSE AUTISM", "misinformation"),
        ("sieg heil", "hate"),
    ],
)
def test_obfuscated_terms_match(classifier: GuidelineClassifier, text: str, category: str) -> None:
    assert category in classifier.classify(text)


@pytest.mark.parametrize(
    "text",
    [
        "this game is killing me",
        "I could kill for a pizza",
        "we're off to Scunthorpe, classic road trip",
        "fuck yeah we won the match",  # friendly swearing, not aimed at anyone
        "you're a fucking legend",  # emphasis, not insult
        "is it normal to have pain after sex?",
    ],
)
def test_hard_clean_cases(classifier: GuidelineClassifier, text: str) -> None:
    assert classifier.classify(text) == {}


def test_extra_terms_add_to_a_category() -> None:
    c = GuidelineClassifier(extra_terms={"illegal": ["gift card flip", ""], "hate": []})
    result = c.classify("quick G1FT  CARD   fl1p, dm me")
    assert result == {
        "illegal": CategoryMatch(
            category="illegal", terms=("gift card flip",), score=1.0, sources=("extra_terms",)
        )
    }


def test_extra_term_already_in_lexicon_lists_both_sources() -> None:
    c = GuidelineClassifier(extra_terms={"harassment": ["kys"]})
    assert c.classify("kys")["harassment"].sources == ("lexicon", "extra_terms")


def test_unknown_extra_terms_category_is_refused() -> None:
    with pytest.raises(ValueError, match="'spam'"):
        GuidelineClassifier(extra_terms={"spam": ["buy now"]})


def test_extra_terms_must_be_a_list_of_strings() -> None:
    with pytest.raises(ValueError, match="harassment"):
        GuidelineClassifier(extra_terms={"harassment": "kys"})  # type: ignore[dict-item]


@pytest.mark.parametrize("bad", [-0.1, float("nan"), "high", True])
def test_bad_threshold_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="offensive_threshold"):
        GuidelineClassifier(offensive_threshold=bad)  # type: ignore[arg-type]


def test_model_flags_insults_as_harassment_above_threshold() -> None:
    result = GuidelineClassifier(offensive_threshold=0.5).classify(ABUSIVE)
    match = result["harassment"]
    assert match.sources == ("model",) and match.terms == ()
    assert 0.5 <= match.score <= 1.0


def test_threshold_above_one_disables_the_model() -> None:
    c = GuidelineClassifier(offensive_threshold=1.01)
    assert not c.model_enabled
    assert c.classify(ABUSIVE) == {}
    assert "harassment" in c.classify("kys")  # lexicons still apply


def test_model_only_counts_when_someone_is_addressed() -> None:
    c = GuidelineClassifier(offensive_threshold=0.5)
    assert c.classify("ugh, what a stupid worthless idiot I am") == {}
    assert "harassment" in c.classify("@sam stupid worthless idiot")


def test_fast_model_path_agrees_with_predict_prob() -> None:
    # The package's own predict_prob() figures, recorded when its weights were exported
    # to JSON (data/offensive/export.py): reading the JSON reproduces them.
    score = offensive_scorer()
    reference = reference_probabilities()
    assert len(reference) >= 5
    for text, expected in reference.items():
        assert score(text) == pytest.approx(expected, abs=1e-7)


def test_eval_set_precision_and_recall(classifier: GuidelineClassifier) -> None:
    rows = read_labelled_csv(EVAL_CSV, positive="abusive", negative="clean")
    assert len(rows) >= 300
    positives = sum(truth for truth, _ in rows)
    assert 0.4 <= positives / len(rows) <= 0.6  # roughly balanced
    result = evaluate_guidelines(rows, classifier, DEFAULT_ACTIONS)
    # Measured: n 359, precision 0.993, recall 0.855, F1 0.919, FPR 0.005.
    assert result["false_positive_rate"] < 0.02, result["false_positives"]
    assert result["precision"] >= 0.97
    assert result["recall"] >= 0.83, result["false_negatives"]
    assert result["f1"] >= 0.89


def test_bare_numbers_are_not_hate_codes() -> None:
    classifier = GuidelineClassifier()
    for text in ("your order #1488 has shipped", "room 1488, third floor", "call 555 1488"):
        assert classifier.classify(text) == {}, text
