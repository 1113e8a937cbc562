"""What every `sendable` command shares: the app, the consoles, the options and
the ways to fail."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from sendable.cli.database import Database, DatabaseProblem, locate, stray_local_file
from sendable.errors import ServiceError
from sendable.textcheck import DisplayStream, for_display

if TYPE_CHECKING:
    from sendable.policy import Policy

SERVER_INSTALL = "pip install 'sendable[server]'"

app = typer.Typer(help="sendable: direct messages that explain every send attempt.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
scenario_app = typer.Typer(help="Run scenario files.", no_args_is_help=True)
policy_app = typer.Typer(help="Check policy files.", no_args_is_help=True)
app.add_typer(scenario_app, name="scenario")
app.add_typer(policy_app, name="policy")

# Through DisplayStream: no bidirectional control in a message or name reorders a line.
console = Console(file=DisplayStream("stdout"))
err = Console(file=DisplayStream("stderr"), stderr=True)


def _version(value: bool) -> None:
    if value:
        from sendable import __version__

        typer.echo(f"sendable {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True,
        help="Print the version and exit.")] = False) -> None:
    """sendable: direct messages that explain every send attempt."""

DbOption = Annotated[str | None, typer.Option(
    "--db", envvar="SENDABLE_DB", show_envvar=True,
    help="SQLite file or postgresql:// URL (default: sendable.db in your user data folder, "
         "the same for every command; `sendable where` prints it).")]
PolicyOption = Annotated[Path | None, typer.Option(
    "--policy", envvar="SENDABLE_POLICY", show_envvar=True, help="Policy TOML file.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
RedisOption = Annotated[str | None, typer.Option(
    "--redis", envvar="SENDABLE_REDIS", show_envvar=True,
    help="Redis URL for counters shared by several nodes (default: in-process).")]


def fail(message: str, code: int = 2) -> None:
    """One line on stderr (never wrapped, never read as markup), then exit `code`."""
    err.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    raise typer.Exit(code)


def needs_server(error: ImportError) -> None:
    """This command runs the server's code, which a client-only install leaves out."""
    fail(f"this command needs the server install ({error.name or error} is missing): "
         f"{SERVER_INSTALL}")


def policy_or_exit(path: Path | None) -> Policy:
    try:
        from sendable.policy import PolicyError, load_policy
    except ImportError as error:
        needs_server(error)
        raise AssertionError from None
    try:
        return load_policy(path)
    except PolicyError as error:
        fail(f"policy: {error}")
        raise AssertionError from None  # unreachable


def locate_or_exit(db: str | None, *, create: bool = False) -> Database:
    """The database a command uses (see cli/database.py), said on stderr."""
    try:
        found = locate(db, create=create)
    except DatabaseProblem as problem:
        fail(str(problem))
        raise AssertionError from None
    typer.echo(f"database: {found.shown}" + (" (new)" if found.new else ""), err=True)
    stray = stray_local_file(found)
    if stray is not None:
        typer.echo(f"  (not {stray}: pass --db {stray.name} to use that one)", err=True)
    return found


def open_service(db: str | None, policy: Path | None, redis: str | None = None, *,
                 create: bool = False, **extra: Any):  # type: ignore[no-untyped-def]
    """A Service on the command's database; any failure to open it is one line."""
    try:
        from sendable.service import Service
    except ImportError as error:
        needs_server(error)
        raise AssertionError from None

    settings = policy_or_exit(policy)
    found = locate_or_exit(db, create=create)
    try:
        return Service.open(found.db, settings, counters_uri=redis, **extra)
    except Exception as error:  # the driver's many kinds: say it in one line, no traceback
        text = " ".join(str(getattr(error, "orig", None) or error).split())
        fail(f"--db {found.shown}: cannot open it: {text[:300]}")
        raise AssertionError from None


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def fail_service(error: ServiceError, args: dict[str, str]) -> None:
    """Exit 2 naming the command-line argument behind the service's field."""
    name = args.get(error.field or "", error.field or "error")
    fail(f"{name}: {error.message}")


def run_service(db: str | None, policy: Path | None, action, args: dict[str, str]):  # type: ignore[no-untyped-def]
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
