"""Generic binary metrics and the labelled-CSV reader."""

from pathlib import Path

import pytest

from sendable.text.evaluate import binary_metrics, evaluate_guidelines, read_labelled_csv
from sendable.text.guidelines import GuidelineClassifier


def test_binary_metrics_counts() -> None:
    # (truth, predicted): 2 TP, 1 FN, 1 FP, 3 TN
    pairs = [(True, True), (True, True), (True, False), (False, True)] + [(False, False)] * 3
    m = binary_metrics(pairs)
    assert m["n"] == 7
    assert m["precision"] == pytest.approx(2 / 3)
    assert m["recall"] == pytest.approx(2 / 3)
    assert m["f1"] == pytest.approx(2 / 3)
    assert m["false_positive_rate"] == pytest.approx(1 / 4)


def test_binary_metrics_zero_over_zero_is_zero() -> None:
    assert binary_metrics([]) == {
        "n": 0, "precision": 0.0, "recall": 0.0, "f1": 0.0, "false_positive_rate": 0.0
    }
    only_negatives = binary_metrics([(False, False)] * 2)
    assert only_negatives["precision"] == 0.0 and only_negatives["false_positive_rate"] == 0.0


def test_binary_metrics_accepts_a_generator() -> None:
    assert binary_metrics((t, t) for t in [True, False])["f1"] == 1.0


def _write(tmp_path: Path, content: str) -> Path:
    path = tmp_path / "set.csv"
    path.write_text(content, encoding="utf-8")
    return path


def test_read_labelled_csv(tmp_path: Path) -> None:
    path = _write(tmp_path, 'label,text\nabusive,"you, idiot"\nclean,hello\n\nclean,"say ""hi"""\n')
    assert read_labelled_csv(path, "abusive", "clean") == [
        (True, "you, idiot"), (False, "hello"), (False, 'say "hi"'),
    ]


def test_read_labelled_csv_names_line_and_bad_label(tmp_path: Path) -> None:
    path = _write(tmp_path, "label,text\nclean,hi\nspam,buy now\n")
    with pytest.raises(ValueError, match=r"line 3: bad label 'spam'"):
        read_labelled_csv(path, "abusive", "clean")


def test_read_labelled_csv_needs_header_and_two_columns(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="line 1"):
        read_labelled_csv(_write(tmp_path, "clean,hi\n"), "abusive", "clean")
    with pytest.raises(ValueError, match="line 2: expected 2 columns"):
        read_labelled_csv(_write(tmp_path, "label,text\nclean,hi,there\n"), "abusive", "clean")


def test_evaluate_guidelines_uses_actions() -> None:
    rows = [(True, "kys"), (True, "vaccines cause autism"), (False, "hello friend")]
    c = GuidelineClassifier(offensive_threshold=1.01)
    blocking = {"harassment": "block", "self_harm": "block", "misinformation": "hold"}
    result = evaluate_guidelines(rows, c, blocking)
    assert (result["recall"], result["false_positive_rate"]) == (1.0, 0.0)
    assert result["false_negatives"] == [] and result["false_positives"] == []
    allowing = blocking | {"misinformation": "allow"}
    result = evaluate_guidelines(rows, c, allowing)
    assert result["recall"] == 0.5
    assert result["false_negatives"] == ["vaccines cause autism"]
