"""What every `sendable` command shares: the app, the consoles, the options and
the ways to fail."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from sendable.errors import ServiceError
from sendable.policy import Policy, PolicyError, load_policy
from sendable.textcheck import DisplayStream, for_display

app = typer.Typer(help="sendable: direct messages that explain every send attempt.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
scenario_app = typer.Typer(help="Run scenario files.", no_args_is_help=True)
policy_app = typer.Typer(help="Check policy files.", no_args_is_help=True)
app.add_typer(scenario_app, name="scenario")
app.add_typer(policy_app, name="policy")

# Through DisplayStream: no bidirectional control in a message or name reorders a line.
console = Console(file=DisplayStream("stdout"))
err = Console(file=DisplayStream("stderr"), stderr=True)

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




def fail_service(error: ServiceError, args: dict[str, str]) -> None:
    """Exit 2 naming the command-line argument behind the service's field."""
    name = args.get(error.field or "", error.field or "error")
    fail(f"{name}: {error.message}")


def run_service(db: str, policy: Path | None, action, args: dict[str, str]):  # type: ignore[no-untyped-def]
    service = open_service(db, policy)
    try:
        return action(service)
    except ServiceError as error:
        fail_service(error, args)
    finally:
        service.close()


def say(text: str) -> None:
    """A line for a person: bidirectional controls in it (a message, a name) removed."""
    typer.echo(for_display(text))


def done(as_json: bool, data: dict[str, Any], text: str) -> None:
    if as_json:
        print_json(data)
    else:
        say(text)
