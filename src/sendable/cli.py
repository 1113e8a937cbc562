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
    reputation = None
    if audience == "moderator":  # the sender's reputation and what it is made of
        status = service.status(sender)
        reputation = {"score": status["reputation"], "band": status["reputation_band"],
                      "components": status["reputation_components"]}
    if as_json:
        print_json({"sendable": decision.sendable, "outcome": decision.outcome,
                    "reasons": reasons, **({"reputation": reputation} if reputation else {})})
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
          ) -> None:
    """Serve the HTTP API and live stream (migrations are applied on start)."""
    import gc
    import logging

    import uvicorn
    from sqlalchemy.engine import make_url

    from sendable.accounts import Auth
    from sendable.api import create_app
    from sendable.api.observe import configure_logging
    from sendable.mailer import mailer_from_url
    from sendable.scratch import BackendUnreachable, check_redis
    from sendable.service import Service
    from sendable.store.engine import database_url

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
    service = Service.open(db, policy_or_exit(policy), mailer=mailer, counters_uri=redis)
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
    shown_db = make_url(database_url(db)).render_as_string(hide_password=True)
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


def _register_client_commands() -> None:
    """login, logout, send, inbox, doctor: the HTTP client's commands (client/commands.py)."""
    from sendable.client.commands import register

    register(app)


_register_client_commands()


def main() -> None:  # pragma: no cover
    app()


# -- sendable mod ----------------------------------------------------------------

mod_app = typer.Typer(help="Moderation: the queue, actions, appeals and the audit log.",
                      no_args_is_help=True)
app.add_typer(mod_app, name="mod")

ByOption = Annotated[str | None, typer.Option("--by", help="The moderator acting (a handle).")]
HandleArg = Annotated[str, typer.Argument(metavar="HANDLE", help="The account.")]


def _fail_service(error: ServiceError, args: dict[str, str]) -> None:
    """Exit 2 naming the command-line argument behind the service's field."""
    name = args.get(error.field or "", error.field or "error")
    fail(f"{name}: {error.message}")


def _mod(db: str, policy: Path | None, action, args: dict[str, str]):  # type: ignore[no-untyped-def]
    service = open_service(db, policy)
    try:
        return action(service)
    except ServiceError as error:
        _fail_service(error, args)
    finally:
        service.close()


def _done(as_json: bool, data: dict[str, Any], text: str) -> None:
    if as_json:
        print_json(data)
    else:
        typer.echo(text)


@mod_app.command("queue")
def mod_queue(db: DbOption = "sendable.db", policy: PolicyOption = None,
              as_json: JsonOption = False) -> None:
    """What needs a moderator, most urgent first (held messages, reports, appeals)."""
    items = _mod(db, policy, lambda s: s.mod_queue(), {})
    if as_json:
        print_json(items)
        return
    if not items:
        typer.echo("the queue is empty")
    for item in items:
        if item["kind"] == "held_message":
            what = f"held message {item['id']} @{item['from']} → @{item['to']}: {item['text']!r}"
        elif item["kind"] == "reports":
            what = (f"reports about @{item['handle']}: {item['reports']} from "
                    f"{item['distinct_reporters']} reporter(s) {item['reasons']}")
        else:
            what = f"appeal {item['id']} by @{item['handle']} of {item['target']}: " \
                   f"{item['statement']!r}"
        # user text is printed as is: never read as Rich markup
        typer.echo(f"{item['priority']:>4} {what}")
        typer.echo(f"      {item['priority_reason']}; since {item['created_at']}")


@mod_app.command("ban")
def mod_ban(handle: HandleArg,
            length: Annotated[str | None, typer.Option(
                "--for", help="How long, like 24h or 7d; leave out for a permanent ban.")] = None,
            scope: Annotated[str | None, typer.Option(
                "--scope", help="messaging or account (default: the policy's ban_scope).")]
            = None,
            reason: Annotated[str | None, typer.Option("--reason")] = None,
            by: ByOption = None, db: DbOption = "sendable.db", policy: PolicyOption = None,
            as_json: JsonOption = False) -> None:
    """Ban an account, for a while (--for 24h) or for good."""
    from sendable.durations import parse_duration

    seconds = None
    if length is not None and length != "permanent":
        try:
            seconds = parse_duration(length)
        except ValueError as error:
            fail(f"--for: {error}")
    if scope is not None and scope not in ("messaging", "account"):
        fail(f"--scope: must be messaging or account, not {scope!r}")
    ban_id = _mod(db, policy, lambda s: s.ban(handle, seconds, scope, by, reason),
                  {"handle": "HANDLE", "scope": "--scope", "by": "--by"})
    scope = scope or policy_or_exit(policy).enforcement.ban_scope
    _done(as_json, {"ban_id": ban_id, "handle": handle, "scope": scope, "seconds": seconds},
          f"banned @{handle} ({scope}) " + (f"for {length}" if seconds else "permanently")
          + f": ban:{ban_id}")


@mod_app.command("unban")
def mod_unban(handle: HandleArg, reason: Annotated[str | None, typer.Option("--reason")] = None,
              by: ByOption = None, db: DbOption = "sendable.db", policy: PolicyOption = None,
              as_json: JsonOption = False) -> None:
    """Lift every ban in force on an account."""
    lifted = _mod(db, policy, lambda s: s.unban(handle, by, reason),
                  {"handle": "HANDLE", "by": "--by"})
    _done(as_json, {"handle": handle, "lifted": lifted},
          f"lifted {len(lifted)} ban(s) on @{handle}" if lifted else f"@{handle} was not banned")


@mod_app.command("strike")
def mod_strike(handle: HandleArg,
               category: Annotated[str, typer.Option(
                   "--category", help="harassment, hate, violence, sexual, self_harm, "
                                      "illegal or misinformation.")],
               note: Annotated[str | None, typer.Option("--note")] = None,
               by: ByOption = None, db: DbOption = "sendable.db", policy: PolicyOption = None,
               as_json: JsonOption = False) -> None:
    """Give a strike; the ladder step it reaches applies at once."""
    def act(s):  # type: ignore[no-untyped-def]
        strike_id = s.strike(handle, category, by, note)
        return strike_id, s.status(handle)

    strike_id, status = _mod(db, policy, act, {"handle": "HANDLE", "category": "--category",
                                               "by": "--by"})
    _done(as_json, {"strike_id": strike_id, "status": status},
          f"strike:{strike_id} on @{handle}; active strikes {status['strikes']}"
          + (f", banned ({status['ban_scope']}) until {status['ban_until'] or 'forever'}"
             if status["banned"] else ""))


@mod_app.command("flag")
def mod_flag(handle: HandleArg, reason: Annotated[str | None, typer.Option("--reason")] = None,
             by: ByOption = None, db: DbOption = "sendable.db", policy: PolicyOption = None,
             as_json: JsonOption = False) -> None:
    """Flag an account: it may message only accounts that follow it."""
    _mod(db, policy, lambda s: s.flag(handle, by, reason), {"handle": "HANDLE", "by": "--by"})
    _done(as_json, {"handle": handle, "flagged": True}, f"flagged @{handle}")


@mod_app.command("unflag")
def mod_unflag(handle: HandleArg, reason: Annotated[str | None, typer.Option("--reason")] = None,
               by: ByOption = None, db: DbOption = "sendable.db", policy: PolicyOption = None,
               as_json: JsonOption = False) -> None:
    """Clear an account's flag."""
    _mod(db, policy, lambda s: s.unflag(handle, by, reason), {"handle": "HANDLE", "by": "--by"})
    _done(as_json, {"handle": handle, "flagged": False}, f"cleared the flag on @{handle}")


@mod_app.command("release")
def mod_release(message_id: Annotated[int, typer.Argument(metavar="MESSAGE_ID")],
                by: ByOption = None, db: DbOption = "sendable.db", policy: PolicyOption = None,
                as_json: JsonOption = False) -> None:
    """Show a held message to its recipient."""
    message = _mod(db, policy, lambda s: s.release(message_id, by),
                   {"message": "MESSAGE_ID", "by": "--by"})
    _done(as_json, message, f"released message {message_id} ({message['outcome']})")


@mod_app.command("label")
def mod_label(message_id: Annotated[int, typer.Argument(metavar="MESSAGE_ID")],
              verdict: Annotated[str, typer.Argument(metavar="VERDICT", help="spam or ham.")],
              by: ByOption = None, db: DbOption = "sendable.db", policy: PolicyOption = None,
              as_json: JsonOption = False) -> None:
    """Tell the spam filter whether a stored message was spam; it learns from it at once."""
    if verdict not in ("spam", "ham"):
        fail(f"VERDICT: must be spam or ham, not {verdict!r}")
    _mod(db, policy, lambda s: s.label_message(message_id, verdict == "spam", by),
         {"message_id": "MESSAGE_ID", "by": "--by"})
    _done(as_json, {"message_id": message_id, "verdict": verdict},
          f"message {message_id} labelled {verdict}; the spam filter learned from it")


@mod_app.command("resolve")
def mod_resolve(handle: HandleArg, note: Annotated[str | None, typer.Option("--note")] = None,
                by: ByOption = None, db: DbOption = "sendable.db", policy: PolicyOption = None,
                as_json: JsonOption = False) -> None:
    """Close the open reports about an account (takes them off the queue)."""
    ids = _mod(db, policy, lambda s: s.resolve_reports(handle, by, note),
               {"handle": "HANDLE", "by": "--by"})
    _done(as_json, {"handle": handle, "resolved": ids},
          f"resolved {len(ids)} report(s) about @{handle}")


@mod_app.command("appeals")
def mod_appeals(handle: Annotated[str | None, typer.Option("--handle")] = None,
                state: Annotated[str, typer.Option(
                    "--state", help="open, upheld, overturned or all.")] = "open",
                db: DbOption = "sendable.db", policy: PolicyOption = None,
                as_json: JsonOption = False) -> None:
    """List appeals (open ones by default)."""
    if state not in ("open", "upheld", "overturned", "all"):
        fail(f"--state: must be open, upheld, overturned or all, not {state!r}")
    rows = _mod(db, policy, lambda s: s.appeals(handle, None if state == "all" else state),
                {"handle": "--handle"})
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo(f"no {'' if state == 'all' else state + ' '}appeals")
    for r in rows:
        typer.echo(f"appeal {r['id']} [{r['state']}] @{r['handle']} {r['target']} "
                   f"({r['created_at']}): {r['statement']}"
                   + (f" — note: {r['note']}" if r["note"] else ""))


@mod_app.command("decide")
def mod_decide(appeal_id: Annotated[int, typer.Argument(metavar="APPEAL_ID")],
               decision: Annotated[str, typer.Argument(metavar="DECISION",
                                                       help="uphold or overturn.")],
               note: Annotated[str | None, typer.Option("--note")] = None,
               by: ByOption = None, db: DbOption = "sendable.db", policy: PolicyOption = None,
               as_json: JsonOption = False) -> None:
    """Uphold or overturn an appeal."""
    if decision not in ("uphold", "overturn"):
        fail(f"DECISION: must be uphold or overturn, not {decision!r}")
    result = _mod(db, policy, lambda s: s.decide_appeal(appeal_id, decision, by, note),
                  {"appeal": "APPEAL_ID", "decision": "DECISION", "by": "--by"})
    _done(as_json, result,
          f"appeal {appeal_id} {result['state']}"
          + (f"; removed strikes {result['strikes']}, lifted bans {result['bans']}"
             if result["state"] == "overturned" else ""))


@mod_app.command("audit")
def mod_audit(handle: Annotated[str | None, typer.Argument(metavar="[HANDLE]")] = None,
              limit: Annotated[int, typer.Option("--limit", min=1, max=10000)] = 200,
              db: DbOption = "sendable.db", policy: PolicyOption = None,
              as_json: JsonOption = False) -> None:
    """The audit log, newest first (one account's, or everyone's)."""
    rows = _mod(db, policy, lambda s: s.audit_log(handle, limit), {"handle": "HANDLE"})
    if as_json:
        print_json(rows)
        return
    for r in rows:
        actor = f"@{r['actor']}" if r["actor"] else "system"
        target = f"@{r['account']}" if r["account"] else "-"
        typer.echo(f"#{r['id']} {r['at']} {r['action']} {target} by {actor} "
                   f"{json.dumps(r['detail'], default=str)}")


@mod_app.command("explain")
def mod_explain(handle: HandleArg, db: DbOption = "sendable.db", policy: PolicyOption = None,
                as_json: JsonOption = False) -> None:
    """Why an account is restricted today, traced to the audit log."""
    entries = _mod(db, policy, lambda s: s.explain_restrictions(handle), {"handle": "HANDLE"})
    if as_json:
        print_json(entries)
        return
    if not entries:
        typer.echo(f"@{handle} has no restrictions")
    for e in entries:
        ids = ", ".join(f"#{i}" for i in e["audit_ids"]) or "none"
        typer.echo(f"- {e['restriction']}: {e['text']} (audit {ids})")


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
