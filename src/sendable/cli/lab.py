"""`sendable policy backtest` and `sendable policy history`: the policy lab at the
command line (the console has the same at /mod/lab)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sendable.cli.common import (
    DbOption,
    JsonOption,
    PolicyOption,
    fail,
    open_service,
    policy_app,
    policy_or_exit,
    print_json,
)
from sendable.clock import parse_iso
from sendable.durations import parse_duration
from sendable.errors import ServiceError


def when(value: str, now: float, option: str) -> float:
    """A duration back from now (7d, 12h) or an ISO time (2026-03-01T00:00:00Z)."""
    try:
        return now - parse_duration(value)
    except ValueError:
        pass
    try:
        return parse_iso(value)
    except ValueError:
        fail(f"{option}: {value!r} is neither a duration like 7d nor a time like "
             "2026-03-01T00:00:00Z")
        raise AssertionError from None


@policy_app.command("backtest")
def backtest(candidate: Annotated[Path, typer.Argument(metavar="CANDIDATE.toml",
                                                       help="The policy to try.")],
             since: Annotated[str, typer.Option(
                 "--since", help="From: a duration back (7d) or an ISO time.")] = "7d",
             until: Annotated[str | None, typer.Option(
                 "--until", help="To: a duration back or an ISO time (default: now).")] = None,
             against: Annotated[str | None, typer.Option(
                 "--against", help="Compare with the policy of this digest (see `policy "
                 "history`) re-decided over the same traffic, not with what was logged.")]
             = None,
             db: DbOption = None, policy: PolicyOption = None,
             as_json: JsonOption = False) -> None:
    """Re-decide the logged attempts of a period under CANDIDATE.toml: what would change."""
    from sendable.lab.report import as_text

    tried = policy_or_exit(candidate)
    service = open_service(db, policy)
    try:
        now = service.now()
        start = when(since, now, "--since")
        end = when(until, now, "--until") if until else now
        report = service.lab.backtest(tried, start, end, against, name=str(candidate))
    except ServiceError as error:
        fail(f"--{error.field}: {error.message}" if error.field in ("until", "against")
             else error.message)
        return
    finally:
        service.close()
    if as_json:
        print_json(report)
    else:
        typer.echo(as_text(report))


@policy_app.command("history")
def history(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Every policy that was live: digest, who set it, when (newest first)."""
    service = open_service(db, None)
    try:
        rows = service.lab.history()
    finally:
        service.close()
    if as_json:
        print_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['set_at']}  {r['digest']}  {r['action']:<8} by {r['set_by']}"
                   f"{'  (live)' if r['live'] else ''}")
