"""The `sendable` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from sendable.errors import ServiceError
from sendable.policy import Policy, PolicyError, load_policy

app = typer.Typer(help="sendable: direct messages that explain every send attempt.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
scenario_app = typer.Typer(help="Run scenario files.", no_args_is_help=True)
policy_app = typer.Typer(help="Check policy files.", no_args_is_help=True)
app.add_typer(scenario_app, name="scenario")
app.add_typer(policy_app, name="policy")

console = Console()
err = Console(stderr=True)

DbOption = Annotated[str, typer.Option("--db", help="SQLite file or database URL.")]
PolicyOption = Annotated[Path | None, typer.Option("--policy", help="Policy TOML file.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
RedisOption = Annotated[str | None, typer.Option(
    "--redis", help="Redis URL for counters shared by several nodes (default: in-process).")]


def fail(message: str, code: int = 2) -> None:
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)


def policy_or_exit(path: Path | None) -> Policy:
    try:
        return load_policy(path)
    except PolicyError as error:
        fail(f"policy: {error}")
        raise AssertionError from None  # unreachable


def open_service(db: str, policy: Path | None,
                 redis: str | None = None):  # type: ignore[no-untyped-def]
    from sendable.service import Service

    return Service.open(db, policy_or_exit(policy), counters_uri=redis)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


@scenario_app.command("run")
def scenario_run(paths: Annotated[list[Path], typer.Argument(help="Files or folders.")],
                 as_json: JsonOption = False,
                 db: Annotated[str | None, typer.Option(
                     "--db", help="A PostgreSQL URL: each scenario in a fresh schema there "
                     "(default: a fresh SQLite file each).")] = None,
                 redis: RedisOption = None) -> None:
    """Run scenarios; prints each failed expectation and `N passed, N failed`."""
    from sendable.scenario import ScenarioError, run_paths

    try:
        results = run_paths(paths, db, redis)
    except ScenarioError as error:
        fail(str(error))
        return
    passed = sum(r.passed for r in results)
    failed = sum(len(r.failures) for r in results)
    if as_json:
        print_json({"passed": passed, "failed": failed, "scenarios": [
            {"file": r.file, "name": r.name, "passed": r.passed,
             "failed": len(r.failures), "failures": [f.__dict__ for f in r.failures]}
            for r in results]})
    else:
        for result in results:
            for failure in result.failures:
                typer.echo(failure.line())
        typer.echo(f"{passed} passed, {failed} failed")
    raise typer.Exit(1 if failed else 0)


@policy_app.command("check")
def policy_check(path: Annotated[Path, typer.Argument(help="Policy TOML file.")],
                 as_json: JsonOption = False) -> None:
    """Validate a policy file; unknown keys and bad values are named."""
    policy = policy_or_exit(path)
    if as_json:
        print_json({"ok": True, "digest": policy.digest(), "policy": policy.model_dump(mode="json")})
    else:
        typer.echo(f"{path}: ok (digest {policy.digest()})")


@app.command()
def why(sender: Annotated[str, typer.Argument(metavar="FROM")],
        to: Annotated[str, typer.Argument(metavar="TO")],
        text: Annotated[str, typer.Option("--text", help="The message to check.")] = "",
        audience: Annotated[str, typer.Option("--as", help="sender or moderator.")] = "sender",
        db: DbOption = "sendable.db", policy: PolicyOption = None,
        as_json: JsonOption = False, redis: RedisOption = None) -> None:
    """Why can't FROM message TO? Every reason, without sending."""
    from sendable.reasons import render_all

    if audience not in ("sender", "moderator"):
        fail("--as must be sender or moderator")
    service = open_service(db, policy, redis)
    try:
        decision = service.why(sender, to, text)
    except ServiceError as error:
        fail(error.message)
        return
    reasons = render_all(decision.findings, audience)
    if as_json:
        print_json({"sendable": decision.sendable, "outcome": decision.outcome,
                    "reasons": reasons})
        return
    verdict = "[green]can send[/green]" if decision.sendable else "[red]cannot send[/red]"
    console.print(f"@{sender} → @{to}: {verdict} (outcome: {decision.outcome})")
    for reason in reasons:
        wait = f" — wait {reason['retry_after']}s" if reason["retry_after"] else ""
        appeal = " — can be appealed" if reason["appealable"] else ""
        console.print(f"  [bold]{reason['code']}[/bold]: {reason['message']}{wait}{appeal}")
        console.print(f"    remedy: {reason['remedy']}")
        if audience == "moderator" and reason.get("detail"):
            console.print(f"    detail: {json.dumps(reason['detail'], default=str)}")


def main() -> None:  # pragma: no cover
    app()


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
    console.print(title)
    for key in keys:
        value = metrics[key]
        console.print(f"  {key:20} {value if key == 'n' else f'{value:.3f}'}")


@spam_app.command("train")
def spam_train(path: CsvArgument, db: DbOption = "sendable.db", policy: PolicyOption = None,
               as_json: JsonOption = False) -> None:
    """Teach the content model labelled messages (labels spam/ham); kept in the database."""
    rows = _rows(path, "spam", "ham")
    counts = open_service(db, policy).train_spam(rows)
    if as_json:
        print_json(counts)
    else:
        typer.echo(f"trained on {len(rows)} messages; the model has now seen "
                   f"{counts['spam']} spam and {counts['ham']} ham")


@spam_app.command("eval")
def spam_eval(path: CsvArgument,
              db: Annotated[str | None, typer.Option("--db", help="Use this database's model.")]
              = None, policy: PolicyOption = None, as_json: JsonOption = False) -> None:
    """Precision, recall, F1 and false-positive rate of the spam content check."""
    from sendable.content import ContentAnalyser
    from sendable.text.spam_eval import evaluate_spam

    rows = _rows(path, "spam", "ham")
    analyser = (open_service(db, policy).analyser if db
                else ContentAnalyser(policy_or_exit(policy)))
    metrics = evaluate_spam(rows, analyser.policy.spam.content_threshold, analyser.spam_model,
                            analyser.blocked_terms)
    trained = analyser.spam_model.examples
    _print_metrics(f"spam.content on {path} (model trained on {trained} messages)", metrics,
                   as_json)


@guidelines_app.command("eval")
def guidelines_eval(path: CsvArgument, policy: PolicyOption = None,
                    as_json: JsonOption = False) -> None:
    """Precision, recall, F1 and false-positive rate of the guideline check (abusive/clean)."""
    from sendable.content import ContentAnalyser
    from sendable.text.evaluate import evaluate_guidelines

    rows = _rows(path, "abusive", "clean")
    analyser = ContentAnalyser(policy_or_exit(policy))
    metrics = evaluate_guidelines(rows, analyser.guidelines,
                                  analyser.policy.guidelines.actions.model_dump())
    _print_metrics(f"guidelines on {path}", metrics, as_json)
