"""The `sendable` command line: scenarios, policy checks, `why` and `serve` here; the
client's, the moderators' and the text checks' commands in their own modules."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from sendable.cli.common import (
    DbOption,
    JsonOption,
    PolicyOption,
    RedisOption,
    app,
    console,
    fail,
    open_service,
    policy_app,
    policy_or_exit,
    print_json,
    scenario_app,
)
from sendable.errors import ServiceError


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


_VERDICTS = {
    "delivered": "[green]can send[/green]",
    "requested": "[green]can send[/green] (to their message requests)",
    "held": "[yellow]will be held for review[/yellow]",
    "refused": "[red]cannot send[/red]",
}


@app.command()
def why(sender: Annotated[str, typer.Argument(metavar="FROM")],
        to: Annotated[str, typer.Argument(metavar="TO")],
        text: Annotated[str, typer.Option("--text", help="The message to check.")] = "",
        audience: Annotated[str, typer.Option("--as", help="sender or moderator.")] = "sender",
        db: DbOption = None, policy: PolicyOption = None,
        as_json: JsonOption = False, redis: RedisOption = None) -> None:
    """Why can't FROM message TO? Every reason, without sending.

    Exit 0 when the message can go (delivered, requested or held for review), 1 when
    it cannot, 2 on a usage error."""
    from rich.markup import escape

    from sendable.durations import format_duration
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
    reputation, relation = None, None
    if audience == "moderator":  # the sender's reputation and what it is made of
        status = service.status(sender)
        reputation = {"score": status["reputation"], "band": status["reputation_band"],
                      "components": status["reputation_components"]}
        relation = service.people.relation(sender, to)  # "contact" among them
    service.close()
    code = 0 if decision.sendable else 1
    if as_json:
        print_json({"sendable": decision.sendable, "outcome": decision.outcome,
                    "reasons": reasons, **({"reputation": reputation} if reputation else {}),
                    **({"relation": relation} if relation else {})})
        raise typer.Exit(code)
    verdict = _VERDICTS.get(decision.outcome, decision.outcome)
    console.print(f"@{escape(sender)} → @{escape(to)}: {verdict} (outcome: {decision.outcome})",
                  soft_wrap=True)
    for reason in reasons:
        wait = f" — wait {format_duration(reason['retry_after'])}" if reason["retry_after"] \
            else ""
        until = f" (until {reason['until']})" if reason["until"] else ""
        appeal = " — can be appealed" if reason["appealable"] else ""
        console.print(f"  [bold]{reason['code']}[/bold]: {escape(reason['message'])}{wait}"
                      f"{until}{appeal}", soft_wrap=True)
        console.print(f"    remedy: {escape(reason['remedy'])}", soft_wrap=True)
        if audience == "moderator" and reason.get("detail"):
            console.print(f"    detail: {json.dumps(reason['detail'], default=str)}",
                          markup=False, soft_wrap=True)
    if relation:
        console.print(f"  relation: {', '.join(relation)}", markup=False)
    if reputation:
        console.print(f"  reputation of @{sender}: {reputation['score']} ({reputation['band']}) "
                      f"{json.dumps(reputation['components'])}", markup=False, soft_wrap=True)
    raise typer.Exit(code)


@app.command()
def where(as_json: JsonOption = False) -> None:
    """Where sendable keeps its database and the client's sessions, outbox and cache."""
    from sendable.cli.database import default_path, hide_password
    from sendable.client.config import home_dir

    given = os.environ.get("SENDABLE_DB")
    db = hide_password(given) if given else str(default_path())
    exists = "://" in db or Path(db).exists()
    data = {"database": db, "database_from": "SENDABLE_DB" if given else "default",
            "database_exists": exists, "client_home": str(home_dir())}
    if as_json:
        print_json(data)
        return
    origin = "from SENDABLE_DB" if given else "the default"
    typer.echo(f"database:    {db} ({origin}{'' if exists else '; not created yet'})")
    typer.echo(f"client home: {data['client_home']} (sessions, outbox, cache)")


def _register_commands() -> None:
    """The other rooms' commands: the HTTP client's (login, logout, send, inbox, doctor),
    the moderators' and the text checks'."""
    from sendable.cli import detection, lab, moderation, serving  # noqa: F401 (register on import)
    from sendable.client import group_commands, people
    from sendable.client.commands import register

    register(app)
    group_commands.register(app)
    people.register(app)


_register_commands()


# What `pip install 'sendable[server]'` adds (pyproject.toml; pydantic and idna aside,
# which typer and httpx bring to the client too): a command that needs one of them on
# a client-only install says so in one line.
SERVER_PACKAGES = frozenset({
    "sqlalchemy", "alembic", "yaml", "argon2", "tldextract", "urlextract",
    "datasketch", "profanity_check", "confusable_homoglyphs", "numpy", "psycopg",
    "redis", "fastapi", "starlette", "uvicorn", "uvloop", "httptools", "orjson",
    "prometheus_client", "jinja2", "multipart", "sklearn", "joblib", "phonenumbers"})


def main() -> None:
    """The `sendable` command."""
    try:
        app(prog_name="sendable")
    except ModuleNotFoundError as error:
        if (error.name or "").split(".")[0] not in SERVER_PACKAGES:
            raise
        from sendable.cli.common import needs_server

        try:
            needs_server(error)
        except typer.Exit as done:
            raise SystemExit(done.exit_code) from None


