"""`sendable spam` and `sendable guidelines`: train, retrain and measure the text checks."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sendable.cli.common import (
    DbOption,
    JsonOption,
    PolicyOption,
    app,
    console,
    fail,
    open_service,
    policy_or_exit,
    print_json,
)

if TYPE_CHECKING:
    import numpy as np

spam_app = typer.Typer(help="Train and measure the spam content check.", no_args_is_help=True)
guidelines_app = typer.Typer(help="Train and measure the community-guideline check.",
                             no_args_is_help=True)
app.add_typer(spam_app, name="spam")
app.add_typer(guidelines_app, name="guidelines")

CsvArgument = Annotated[Path, typer.Argument(help="A CSV file with a label,text header.")]
CATEGORY_LABELS = ("harassment", "hate", "violence", "sexual", "self_harm", "illegal",
                   "misinformation")


def _rows(path: Path, positive: str, negative: str) -> list[tuple[bool, str]]:
    from sendable.text.evaluate import read_labelled_csv

    try:
        return read_labelled_csv(path, positive=positive, negative=negative)
    except (OSError, ValueError) as error:
        fail(f"{path}: {error}")
        raise AssertionError from None


def _abuse_rows(path: Path) -> tuple[list[tuple[bool, str]], list[str | None]]:
    """label,text with labels abusive / clean or a category name (abusive, that category)."""
    rows: list[tuple[bool, str]] = []
    cats: list[str | None] = []
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None or [h.strip().lower() for h in header[:2]] != ["label", "text"]:
                raise ValueError(f"line 1: expected header 'label,text', got {header!r}")
            for row in reader:
                if not row or all(not c.strip() for c in row):
                    continue
                if len(row) != 2:
                    raise ValueError(f"line {reader.line_num}: expected 2 columns, got {len(row)}")
                label = row[0].strip().lower()
                if label not in ("abusive", "clean", *CATEGORY_LABELS):
                    raise ValueError(f"line {reader.line_num}: bad label {row[0]!r} (expected "
                                     f"abusive, clean or one of {', '.join(CATEGORY_LABELS)})")
                rows.append((label != "clean", row[1]))
                cats.append(label if label in CATEGORY_LABELS else None)
    except (OSError, ValueError) as error:
        fail(f"{path}: {error}")
    return rows, cats


def _fmt_spread(cv: dict[str, dict]) -> list[str]:
    return [f"  {k:20} {v['pooled']:.3f}  (mean {v['mean']:.3f} ± {v['std']:.3f} over folds)"
            for k, v in cv.items()]


def _report_training(summary: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(summary)
        return
    labels = summary["labels"]
    kind = "spam" if summary["kind"] == "spam" else "abuse"
    console.print(f"{kind} model version {summary['version']}: trained on "
                  f"{summary['trained_on']['texts']} texts; figures rest on "
                  f"{labels['positive']} positive and {labels['negative']} negative labels")
    if "threshold" in summary:
        console.print(f"  threshold (auto)     {summary['threshold']:.4f} for target FPR "
                      f"{summary['target_fpr']:g}")
    else:
        console.print(f"  veto threshold       {summary['veto_threshold']:.4f}  (a rule flag "
                      "stands at P(abuse) >= this; severe categories always)")
        console.print(f"  model threshold      {summary['model_threshold']:.4f}  (the model "
                      f"alone flags); target FPR {summary['target_fpr']:g}")
    console.print("cross-validated (5 folds, out-of-fold scores):")
    for line in _fmt_spread(summary["cross_validated"]):
        console.print(line)
    if summary.get("roc_auc") is not None:
        console.print(f"  {'roc_auc':20} {summary['roc_auc']:.3f}")
    for warning in summary.get("warnings", []):
        console.print(f"[yellow]warning:[/yellow] {warning}")


def _train(kind: str, rows: list[tuple[bool, str]], db: str | None, policy: Path | None,
           source: str, categories: list[str | None] | None = None) -> dict[str, Any]:
    from sendable.text.learn import TooFewLabels

    service = open_service(db, policy, create=True)
    try:
        if kind == "spam":
            return service.train_spam(rows, source)
        return service.train_guidelines(rows, source, categories)
    except TooFewLabels as error:
        fail(str(error))
        raise AssertionError from None
    finally:
        service.close()


def _retrain(kind: str, db: str | None, policy: Path | None) -> dict[str, Any]:
    from sendable.text.learn import TooFewLabels

    service = open_service(db, policy)
    try:
        return service.retrain(kind)
    except TooFewLabels as error:
        fail(str(error))
        raise AssertionError from None
    finally:
        service.close()


def _measure(y: np.ndarray, flagged: np.ndarray, scores: np.ndarray,
             target: float) -> dict[str, Any]:
    from sendable.text import thresholds as th

    out: dict[str, Any] = th.rates(flagged, y)
    out["roc_auc"] = th.roc_auc(scores, y)
    out["target_fpr"] = target
    out["recall_at_target_fpr"] = th.recall_at_fpr(scores, y, target)
    return out


def _print_metrics(title: str, metrics: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(metrics)
        return
    console.print(title)
    for key, value in metrics.items():
        if isinstance(value, float):
            console.print(f"  {key:22} {value:.3f}")
        elif value is not None and not isinstance(value, dict | list):
            console.print(f"  {key:22} {value}")


def _analyser(db: str | None, policy: Path | None, builtin: bool):  # type: ignore[no-untyped-def]
    """The analyser to measure and what to call it: the database's models (the same
    database `train` writes to by default), or the shipped ones."""
    from sendable.cli.database import default_path
    from sendable.shell.content import ContentAnalyser

    if not builtin and db is None and not default_path().exists():
        # Nothing trained yet where `train` would put it: say so, measure the shipped
        # models, and create nothing.
        typer.echo(f"database: none yet at {default_path()}; measuring the built-in "
                   "models (`sendable spam train FILE.csv` teaches one there)", err=True)
        builtin = True
    if builtin:
        return ContentAnalyser(policy_or_exit(policy)), "the built-in model"
    service = open_service(db, policy)
    analyser = service.analyser
    service.close()
    return analyser, "the database's model"


def _trained_on(detector: Any) -> str:
    counted = (detector.summary.get("trained_on") or {}).get("counted") if detector else None
    return f", trained on {counted} messages" if counted is not None else ""


BuiltinOption = Annotated[bool, typer.Option(
    "--builtin", help="Measure the models that ship with sendable, not the database's.")]


@spam_app.command("train")
def spam_train(path: CsvArgument, db: DbOption = None, policy: PolicyOption = None,
               as_json: JsonOption = False) -> None:
    """Store labelled messages (labels spam/ham) and retrain the spam model from every
    label; prints the chosen threshold and cross-validated figures."""
    rows = _rows(path, "spam", "ham")
    _report_training(_train("spam", rows, db, policy, f"file:{path.name}"), as_json)


@spam_app.command("retrain")
def spam_retrain(db: DbOption = None, policy: PolicyOption = None,
                 as_json: JsonOption = False) -> None:
    """Rebuild the spam model from every stored label (files and moderators' verdicts)."""
    _report_training(_retrain("spam", db, policy), as_json)


@spam_app.command("eval")
def spam_eval(path: CsvArgument, db: DbOption = None, policy: PolicyOption = None,
              builtin: BuiltinOption = False, as_json: JsonOption = False) -> None:
    """Precision, recall, F1, false-positive rate, ROC AUC and recall at the target
    false-positive rate of the spam content check."""
    import numpy as np

    rows = _rows(path, "spam", "ham")
    analyser, source = _analyser(db, policy, builtin)
    batch = analyser.analyse_many([t for _, t in rows])
    spam = [batch.content(i, False).spam for i in range(len(rows))]
    y = np.array([v for v, _ in rows], bool)
    scores = np.array([s.score if s is not None else 0.0 for s in spam])
    number = analyser.policy.spam.threshold_number
    flagged = np.array([s is not None and s.flags(number) for s in spam])
    metrics = _measure(y, flagged, scores, analyser.policy.spam.target_fpr)
    metrics["threshold"] = analyser.spam_threshold()
    metrics["model_version"] = analyser.detectors.version
    _print_metrics(f"spam.content on {path} ({source}, version {analyser.detectors.version}"
                   f"{_trained_on(analyser.detectors.spam)})", metrics, as_json)


@guidelines_app.command("train")
def guidelines_train(path: CsvArgument, db: DbOption = None,
                     policy: PolicyOption = None, as_json: JsonOption = False) -> None:
    """Store labelled messages (labels abusive/clean or a category name) and retrain the
    abuse model; prints the chosen thresholds and cross-validated figures."""
    rows, cats = _abuse_rows(path)
    _report_training(_train("abuse", rows, db, policy, f"file:{path.name}", cats), as_json)


@guidelines_app.command("retrain")
def guidelines_retrain(db: DbOption = None, policy: PolicyOption = None,
                       as_json: JsonOption = False) -> None:
    """Rebuild the abuse model from every stored label (files and moderators' verdicts)."""
    _report_training(_retrain("abuse", db, policy), as_json)


@guidelines_app.command("eval")
def guidelines_eval(path: CsvArgument, db: DbOption = None, policy: PolicyOption = None,
                    builtin: BuiltinOption = False, as_json: JsonOption = False) -> None:
    """Precision, recall, F1, false-positive rate, ROC AUC and recall at the target
    false-positive rate of the guideline check (labels abusive/clean or a category)."""
    import numpy as np

    rows, _ = _abuse_rows(path)
    analyser, source = _analyser(db, policy, builtin)
    batch = analyser.analyse_many([t for _, t in rows])
    actions = analyser.policy.guidelines.actions.model_dump()
    flagged = np.array([
        any(actions.get(c) in ("block", "hold")
            for c in batch.content(i, False).guideline_matches)
        for i in range(len(rows))])
    y = np.array([v for v, _ in rows], bool)
    metrics = _measure(y, flagged, np.array(batch.abuse_scores),
                       analyser.policy.guidelines.target_fpr)
    metrics["model_version"] = analyser.detectors.version
    metrics["learned_model"] = analyser.detectors.abuse is not None
    _print_metrics(f"guidelines on {path} ({source}, version {analyser.detectors.version}"
                   f"{_trained_on(analyser.detectors.abuse)})", metrics, as_json)
