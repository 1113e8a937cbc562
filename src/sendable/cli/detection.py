"""`sendable spam` and `sendable guidelines`: train and measure the text checks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

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

spam_app = typer.Typer(help="Train and measure the spam content check.", no_args_is_help=True)
guidelines_app = typer.Typer(help="Measure the community-guideline check.", no_args_is_help=True)
app.add_typer(spam_app, name="spam")
app.add_typer(guidelines_app, name="guidelines")

CsvArgument = Annotated[Path, typer.Argument(help="A CSV file with a label,text header.")]


def _rows(path: Path, positive: str, negative: str) -> list[tuple[bool, str]]:
    from sendable.text.evaluate import read_labelled_csv

    try:
        return read_labelled_csv(path, positive=positive, negative=negative)
    except (OSError, ValueError) as error:
        fail(f"{path}: {error}")
        raise AssertionError from None


def _print_metrics(title: str, metrics: dict[str, Any], as_json: bool) -> None:
    keys = ("n", "precision", "recall", "f1", "false_positive_rate")
    if as_json:
        print_json({k: metrics[k] for k in keys})
        return
    console.print(title, soft_wrap=True, markup=False)
    for key in keys:
        value = metrics[key]
        console.print(f"  {key:20} {value if key == 'n' else f'{value:.3f}'}")


@spam_app.command("train")
def spam_train(path: CsvArgument, db: DbOption = None, policy: PolicyOption = None,
               as_json: JsonOption = False) -> None:
    """Teach the content model labelled messages (labels spam/ham); kept in the database
    (the same one `spam eval`, `why` and `serve` use by default)."""
    rows = _rows(path, "spam", "ham")
    service = open_service(db, policy, create=True)
    counts = service.train_spam(rows)
    service.close()
    if as_json:
        print_json(counts)
    else:
        typer.echo(f"trained on {len(rows)} messages; the model has now seen "
                   f"{counts['spam']} spam and {counts['ham']} ham")


@spam_app.command("eval")
def spam_eval(path: CsvArgument, db: DbOption = None, policy: PolicyOption = None,
              builtin: Annotated[bool, typer.Option(
                  "--builtin", help="Measure the model that ships with sendable, not the "
                                    "database's.")] = False,
              as_json: JsonOption = False) -> None:
    """Precision, recall, F1 and false-positive rate of the spam content check, with the
    model in the database (`spam train` teaches it) or, with --builtin, the shipped one."""
    from sendable.cli.database import default_path
    from sendable.shell.content import ContentAnalyser
    from sendable.text.spam_eval import evaluate_spam

    rows = _rows(path, "spam", "ham")
    source = "the built-in model"
    service = None
    if not builtin and db is None and not default_path().exists():
        # Nothing trained yet where `spam train` would put it: say so, measure the
        # shipped model, and create nothing.
        typer.echo(f"database: none yet at {default_path()}; measuring the built-in "
                   "model (`sendable spam train FILE.csv` teaches one there)", err=True)
        builtin = True
    if builtin:
        analyser = ContentAnalyser(policy_or_exit(policy))
    else:
        service = open_service(db, policy)
        analyser = service.analyser
        source = "the database's model"
    metrics = evaluate_spam(rows, analyser.policy.spam.content_threshold, analyser.spam_model,
                            analyser.blocked_terms)
    trained = analyser.spam_model.examples
    if service is not None:
        service.close()
    _print_metrics(f"spam.content on {path} ({source}, trained on {trained} messages)",
                   metrics, as_json)


@guidelines_app.command("eval")
def guidelines_eval(path: CsvArgument, policy: PolicyOption = None,
                    as_json: JsonOption = False) -> None:
    """Precision, recall, F1 and false-positive rate of the guideline check (abusive/clean)."""
    from sendable.shell.content import ContentAnalyser
    from sendable.text.evaluate import evaluate_guidelines

    rows = _rows(path, "abusive", "clean")
    analyser = ContentAnalyser(policy_or_exit(policy))
    metrics = evaluate_guidelines(rows, analyser.guidelines,
                                  analyser.policy.guidelines.actions.model_dump())
    _print_metrics(f"guidelines on {path}", metrics, as_json)
