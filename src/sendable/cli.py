"""The `sendable` command line."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from sendable.errors import ServiceError
from sendable.policy import Policy, PolicyError, load_policy

app = typer.Typer(help="sendable: direct messages that explain every send attempt.",
                  no_args_is_help=True, add_completion=False)
scenario_app = typer.Typer(help="Run scenario files.", no_args_is_help=True)
policy_app = typer.Typer(help="Check policy files.", no_args_is_help=True)
app.add_typer(scenario_app, name="scenario")
app.add_typer(policy_app, name="policy")

console = Console()
err = Console(stderr=True)

DbOption = Annotated[str, typer.Option("--db", help="SQLite file or database URL.")]
PolicyOption = Annotated[Path | None, typer.Option("--policy", help="Policy TOML file.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def fail(message: str, code: int = 2) -> None:
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)


def policy_or_exit(path: Path | None) -> Policy:
    try:
        return load_policy(path)
    except PolicyError as error:
        fail(f"policy: {error}")
        raise AssertionError from None  # unreachable


def open_service(db: str, policy: Path | None):  # type: ignore[no-untyped-def]
    from sendable.service import Service

    return Service.open(db, policy_or_exit(policy))


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


@scenario_app.command("run")
def scenario_run(paths: Annotated[list[Path], typer.Argument(help="Files or folders.")],
                 as_json: JsonOption = False) -> None:
    """Run scenarios; prints each failed expectation and `N passed, N failed`."""
    from sendable.scenario import ScenarioError, run_paths

    try:
        results = run_paths(paths)
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
        as_json: JsonOption = False) -> None:
    """Why can't FROM message TO? Every reason, without sending."""
    from sendable.reasons import render_all

    if audience not in ("sender", "moderator"):
        fail("--as must be sender or moderator")
    service = open_service(db, policy)
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


@app.command()
def serve(host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
          db: DbOption = "sendable.db", policy: PolicyOption = None,
          demo: Annotated[bool, typer.Option("--demo", help="Load demo accounts.")] = False,
          poll: Annotated[float, typer.Option(
              "--poll", help="Seconds between stream checks for other nodes' events.")] = 2.0,
          quiet: Annotated[bool, typer.Option("--quiet", help="No request log lines.")] = False,
          ) -> None:
    """Serve the HTTP API and live stream (migrations are applied on start)."""
    import logging

    import uvicorn

    from sendable.accounts import Auth
    from sendable.api import create_app
    from sendable.api.observe import configure_logging

    service = open_service(db, policy)
    auth = Auth(service)
    if demo:
        from sendable.demo import load_demo

        for line in load_demo(service, auth):
            typer.echo(line.replace("PORT", str(port)))
    configure_logging(logging.WARNING if quiet else logging.INFO)
    # Sends run on a writer thread beside the event loop; each SQLite call hands the
    # GIL back and forth, and the default 5 ms switch interval makes every hand-back a
    # wait. A short interval keeps the two threads from convoying.
    sys.setswitchinterval(float(os.environ.get("SENDABLE_SWITCH_INTERVAL", "0.0005")))
    typer.echo(f"sendable serving on http://{host}:{port} (db {db}; "
               f"policy {service.policy.digest()})")
    uvicorn.run(create_app(service, auth=auth, poll_seconds=poll), host=host, port=port,
                log_level="warning", access_log=False, ws_ping_interval=20.0)


def _register_client_commands() -> None:
    """login, logout, send, inbox, doctor: the HTTP client's commands (client/commands.py)."""
    from sendable.client.commands import register

    register(app)


_register_client_commands()


def main() -> None:  # pragma: no cover
    app()
