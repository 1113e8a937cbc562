"""The `sendable` command line: scenarios, policy checks, `why` and `serve` here; the
client's, the moderators' and the text checks' commands in their own modules."""

from __future__ import annotations

import json
import os
import sys
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
    reputation, relation = None, None
    if audience == "moderator":  # the sender's reputation and what it is made of
        status = service.status(sender)
        reputation = {"score": status["reputation"], "band": status["reputation_band"],
                      "components": status["reputation_components"]}
        relation = service.people.relation(sender, to)  # "contact" among them
    if as_json:
        print_json({"sendable": decision.sendable, "outcome": decision.outcome,
                    "reasons": reasons, **({"reputation": reputation} if reputation else {}),
                    **({"relation": relation} if relation else {})})
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
    if relation:
        console.print(f"  relation: {', '.join(relation)}", markup=False)
    if reputation:
        console.print(f"  reputation of @{sender}: {reputation['score']} ({reputation['band']}) "
                      f"{json.dumps(reputation['components'])}", markup=False)


@app.command()
def serve(host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
          db: DbOption = "sendable.db", policy: PolicyOption = None,
          demo: Annotated[bool, typer.Option("--demo", help="Load demo accounts.")] = False,
          poll: Annotated[float, typer.Option(
              "--poll", help="Seconds between stream checks for other nodes' events.")] = 2.0,
          quiet: Annotated[bool, typer.Option("--quiet", help="No request log lines.")] = False,
          mail: Annotated[str, typer.Option(
              "--mail", help="Where verification codes go: console, file:PATH, smtp://…")]
          = "console",
          redis: Annotated[str | None, typer.Option(
              "--redis", help="Redis URL: counters and rate windows shared by every node, "
              "and streams woken by other nodes' sends (default: in-process, one node).")]
          = None,
          contact_secret_file: Annotated[Path | None, typer.Option(
              "--contact-secret-file", help="Keep the key contact hashes are made with in "
              "this file (made on first start; default: in the database).")] = None,
          shadow_policy: Annotated[Path | None, typer.Option(
              "--shadow-policy", help="Also decide every live attempt under this policy, "
              "with no effect on anyone; differences on /metrics and at /mod/lab.")] = None,
          ) -> None:
    """Serve the HTTP API and live stream (migrations are applied on start)."""
    import gc
    import logging

    import uvicorn

    from sendable.api import create_app
    from sendable.api.observe import configure_logging
    from sendable.service import Service
    from sendable.shell.auth import Auth
    from sendable.shell.mailer import mailer_from_url
    from sendable.store.engine import shown_url
    from sendable.store.temporary import BackendUnreachable, check_redis

    try:
        mailer = mailer_from_url(mail)
    except ValueError as error:
        fail(f"--mail: {error}")
        return
    if redis:
        try:
            check_redis(redis)
        except BackendUnreachable as error:
            fail(f"--redis: {error}")
            return
    if contact_secret_file is not None:
        from sendable.shell.contact_keys import use_secret_file

        use_secret_file(contact_secret_file)
    shadow = policy_or_exit(shadow_policy) if shadow_policy is not None else None
    service = Service.open(db, policy_or_exit(policy), mailer=mailer, counters_uri=redis)
    service.lab.record_live()  # the policy history keeps every policy that was live
    if shadow is not None:
        service.lab.start_shadow(shadow, source=str(shadow_policy))
    auth = Auth(service)
    if demo:
        from sendable.shell.demo import load_demo

        for line in load_demo(service, auth):
            typer.echo(line.replace("PORT", str(port)))
    configure_logging(logging.WARNING if quiet else logging.INFO)
    # Sends run on a writer thread beside the event loop; each SQLite call hands the
    # GIL back and forth, and the default 5 ms switch interval makes every hand-back a
    # wait. A short interval keeps the two threads from convoying.
    sys.setswitchinterval(float(os.environ.get("SENDABLE_SWITCH_INTERVAL", "0.0005")))
    shown_db = shown_url(db)
    typer.echo(f"sendable serving on http://{host}:{port} (db {shown_db}; "
               f"counters {'Redis' if redis else 'in-process'}; "
               f"policy {service.policy.digest()})")
    asgi = create_app(service, auth=auth, poll_seconds=poll, fanout_uri=redis)
    # What startup built (the text models, the policy, the imports) lives as long as
    # the process: leave it out of the collector's full passes, which otherwise walk
    # all of it and stall every request for 50-150 ms every few seconds under load.
    gc.collect()
    gc.freeze()
    uvicorn.run(asgi, host=host, port=port, http="httptools",
                loop="uvloop" if sys.platform != "win32" else "asyncio",
                log_level="warning", access_log=False, ws_ping_interval=20.0)


def _register_commands() -> None:
    """The other rooms' commands: the HTTP client's (login, logout, send, inbox, doctor),
    the moderators' and the text checks'."""
    from sendable.cli import detection, lab, moderation  # noqa: F401 (they register on import)
    from sendable.client import group_commands, people
    from sendable.client.commands import register

    register(app)
    group_commands.register(app)
    people.register(app)


_register_commands()


def main() -> None:  # pragma: no cover
    app()


