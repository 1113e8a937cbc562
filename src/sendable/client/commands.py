"""The client's commands: `sendable login`, `logout`, `send`, `inbox`, `doctor`.

They talk to a server over HTTP with the saved session (`sendable login`), unlike
`why`/`scenario`, which open a database. Every one of them first retries the
outbox, so a message kept while offline goes out with the next command.
Exit codes: 0 all well; 1 refused, rejected or a doctor step failed; 2 usage or
sign-in trouble; 3 (send) not acknowledged yet, kept in the outbox.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sendable.client.config import Config
from sendable.client.core import ApiError, AsyncClient, SendResult
from sendable.client.doctor import Doctor, Step
from sendable.client.faults import FaultError
from sendable.client.retry import Retry
from sendable.durations import format_duration
from sendable.textcheck import DisplayStream

# Through DisplayStream: no bidirectional control in a message or name reorders a line.
console = Console(file=DisplayStream("stdout"))
err = Console(file=DisplayStream("stderr"), stderr=True)

ServerOption = Annotated[str | None, typer.Option(
    "--server", help="Server URL (default: the one you signed in to, $SENDABLE_SERVER, "
                     "or http://127.0.0.1:8000).")]
AsOption = Annotated[str | None, typer.Option("--as", help="Which signed-in handle to use.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    raise typer.Exit(code)


def _client(server: str | None, handle: str | None, *, need_session: bool = True,
            wait: float = 10.0) -> AsyncClient:
    client = AsyncClient.from_config(server, handle,
                                     retry=Retry(attempts=8, budget=wait), timeout=10.0)
    if need_session and not client.token:
        who = f"@{handle}" if handle else "anyone"
        _fail(f"{client.server}: {who} is not signed in here; run "
              f"`sendable login HANDLE --server {client.server}`")
    return client


def call_server(server: str | None, handle: str | None,
                action: Callable[[AsyncClient], Awaitable[Any]],
                refused: str = "refused") -> Any:
    """Run `action` on a signed-in client and give back its answer. A refusal (an
    answer with reasons) prints `✗ <refused>` and every reason, exit 1; any other
    'no' from the server prints its message (and wait), exit 1, or 2 when the session
    is not accepted; no answer at all (network, server down) prints the cause, exit 2."""
    client = _client(server, handle)

    async def go() -> Any:
        async with client:
            return await action(client)

    try:
        return asyncio.run(go())
    except ApiError as error:
        body = error.body if isinstance(error.body, dict) else {}
        if body.get("reasons"):
            console.print(f"[red]✗ {refused}[/red]")
            for line in reason_lines(body["reasons"]):
                console.print(line)
            raise typer.Exit(1) from None
        wait = (body.get("error") or {}).get("retry_after")
        _fail(error.message + (f" (try again in {format_duration(wait)})" if wait else ""),
              2 if error.status == 401 else 1)
    except FaultError as error:
        _fail(f"{error.fault.message} ({error.fault.code})", 2)


def reason_lines(reasons: list[dict[str, Any]]) -> list[str]:
    """Each reason with its wait, its end, whether it can be appealed, and its remedy."""
    lines = []
    for r in reasons:
        extra = ""
        if r.get("retry_after"):
            extra += f" — wait {format_duration(r['retry_after'])}"
        if r.get("until"):
            extra += f" (until {r['until']})"
        if r.get("appealable"):
            extra += f" — can be appealed ({r.get('appeal_target') or 'sendable appeal'})"
        lines.append(f"  [bold]{r['code']}[/bold]: {escape(r['message'])}{extra}")
        lines.append(f"    remedy: {escape(r['remedy'])}")
    return lines


def _describe(result: SendResult) -> list[str]:
    """Lines for a person: the outcome, or every reason with its remedy and wait."""
    to = f"@{escape(result.to)}"
    if result.status == "stored":
        head = {"delivered": f"[green]✓ delivered[/green] to {to}",
                "requested": f"[green]✓ sent[/green] to {to}'s message requests",
                "held": f"[yellow]✓ held for review[/yellow] before it reaches {to}"}
        lines = [head.get(result.outcome or "", f"✓ {result.outcome} ({to})")]
        lines += [f"  {escape(n['message'])}" for n in result.notices]
        return lines
    if result.status == "refused":
        return [f"[red]✗ not sent[/red] to {to}: refused", *reason_lines(result.reasons)]
    if result.status == "rejected":
        error = result.error or {}
        field = f" ({error.get('field')})" if error.get("field") else ""
        return [f"[red]✗ not sent[/red] to {to}: {escape(error.get('message', ''))}{field}"]
    cause = result.reasons[0] if result.reasons else {
        "code": (result.error or {}).get("code", "unauthorized"),
        "message": (result.error or {}).get("message", ""),
        "remedy": "Sign in again: sendable login."}
    return [f"[yellow]… not sent yet[/yellow] to {to}: {escape(cause['message'])} "
            f"({cause['code']})",
            "  Kept in the outbox: it is retried by `sendable send --flush` or any later "
            "sendable command.",
            f"  remedy: {escape(cause['remedy'])}"]


async def _flush(client: AsyncClient) -> list[SendResult]:
    return await client.flush() if client.pending() else []


def _show_flushed(results: list[SendResult]) -> None:
    for result in results:
        lines = _describe(result)
        console.print(f"outbox: {lines[0]}")
        for line in lines[1:]:
            console.print(line)


def register(app: typer.Typer) -> None:
    """Add the client commands to the `sendable` command line."""

    @app.command()
    def login(handle: Annotated[str, typer.Argument(help="Your handle.")],
              server: ServerOption = None,
              password: Annotated[str | None, typer.Option(
                  "--password", help="Default: $SENDABLE_PASSWORD, else asked for.")] = None,
              ) -> None:
        """Sign in and save the session for send, inbox and doctor."""
        secret = password or os.environ.get("SENDABLE_PASSWORD") or typer.prompt(
            "password", hide_input=True)

        async def go() -> list[SendResult]:
            async with AsyncClient.from_config(server, handle) as client:
                token = await client.login(handle, secret)
                Config().save_login(client.server, handle, token)
                console.print(f"signed in to {client.server} as @{escape(handle)}")
                return await _flush(client)

        try:
            _show_flushed(asyncio.run(go()))
        except ApiError as error:
            _fail(error.message)
        except FaultError as error:
            _fail(f"{error.fault.message} ({error.fault.code}) {error.fault.remedy}")

    @app.command()
    def logout(server: ServerOption = None, handle: AsOption = None) -> None:
        """Sign out: the server ends the session and the saved token is forgotten."""
        client = AsyncClient.from_config(server, handle)
        if not client.token or not client.handle:
            _fail("not signed in")
        assert client.handle is not None

        async def go() -> str:
            async with client:
                try:
                    await client.logout()
                except (ApiError, FaultError) as error:
                    return f" (the server was not told: {error})"
            return ""

        note = asyncio.run(go())
        Config().forget(client.server, client.handle)
        console.print(f"signed out @{escape(client.handle)}{escape(note)}")

    @app.command()
    def send(to: Annotated[str | None, typer.Argument(metavar="TO", help="Recipient.")] = None,
             text: Annotated[str | None, typer.Argument(metavar="TEXT")] = None,
             flush: Annotated[bool, typer.Option(
                 "--flush", help="Only retry the messages waiting in the outbox.")] = False,
             wait: Annotated[float, typer.Option(
                 "--wait", help="Seconds to keep retrying before leaving it queued.")] = 10.0,
             server: ServerOption = None, handle: AsOption = None,
             as_json: JsonOption = False) -> None:
        """Send TEXT to TO: prints the outcome, or every reason with its remedy and wait.

        If the network is down the message is kept in the outbox and retried later.
        Exit 0 sent, 1 refused, 3 kept in the outbox."""
        if not flush and (to is None or text is None):
            _fail("give TO and TEXT, or --flush")
        client = _client(server, handle, wait=wait)

        async def go() -> tuple[list[SendResult], SendResult | None, int]:
            async with client:
                flushed = await _flush(client)
                result = None
                if to is not None and text is not None:
                    result = await client.send(to, text)
                return flushed, result, len(client.pending())

        try:
            flushed, result, pending = asyncio.run(go())
        except ApiError as error:
            _fail(error.message)
            return
        if as_json:
            _print_json({"flushed": [r.as_dict() for r in flushed],
                         "result": result.as_dict() if result else None, "pending": pending})
        else:
            _show_flushed(flushed)
            for line in _describe(result) if result else []:
                console.print(line)
            if flush and not flushed:
                console.print("outbox: nothing waiting")
            elif pending:
                console.print(f"outbox: {pending} message(s) waiting")
        statuses = {r.status for r in [*flushed, *([result] if result else [])]}
        if "queued" in statuses:
            raise typer.Exit(3)
        if statuses & {"refused", "rejected"}:
            raise typer.Exit(1)

    @app.command()
    def inbox(requests: Annotated[bool, typer.Option(
                  "--requests", help="Show message requests instead.")] = False,
              server: ServerOption = None, handle: AsOption = None,
              as_json: JsonOption = False) -> None:
        """Your conversations (or message requests). Offline, the cached copy is shown."""
        folder = "requests" if requests else "inbox"
        client = _client(server, handle, wait=5.0)

        async def go() -> tuple[list[SendResult], list[dict[str, Any]], str | None, int]:
            async with client:
                flushed: list[SendResult] = []
                offline = None
                try:
                    flushed = await _flush(client)
                    rows = await client.conversations(folder)
                except FaultError as error:
                    offline = f"{error.fault.message} ({error.fault.code})"
                    rows = client.cached_conversations(folder)
                return flushed, rows, offline, len(client.pending())

        try:
            flushed, rows, offline, pending = asyncio.run(go())
        except ApiError as error:
            _fail(error.message)
            return
        faults = [f.as_reason() for f in client.faults]
        if as_json:
            _print_json({"folder": folder, "conversations": rows,
                         "from_cache": offline is not None, "offline": offline,
                         "faults": faults, "pending": pending,
                         "flushed": [r.as_dict() for r in flushed]})
            return
        _show_flushed(flushed)
        for fault in faults:
            console.print(f"[yellow]{fault['code']}[/yellow]: {fault['message']} "
                          "It was rebuilt from the server; unsent messages are kept.")
        if offline:
            console.print(f"[yellow]offline[/yellow]: {escape(offline)}; showing the "
                          "cached copy.")
        table = Table(title=f"{folder} of @{escape(client.handle or '')}", show_lines=False)
        for column in ("with", "state", "last message", "updated"):
            table.add_column(column)
        for row in rows:
            last = row.get("last_message") or {}
            table.add_row(f"@{escape(row['with'])}", row["state"],
                          escape(f"{last.get('from', '')}: {last.get('text', '')}"),
                          row.get("updated_at") or "")
        console.print(table if rows else f"no conversations in {folder}")
        if pending:
            console.print(f"outbox: {pending} message(s) waiting to be sent")

    @app.command()
    def doctor(server: ServerOption = None, handle: AsOption = None,
               to: Annotated[str | None, typer.Option(
                   "--to", help="Check whether you can message this handle now.")] = None,
               text: Annotated[str, typer.Option("--text", help="The message to check.")] = "",
               repair: Annotated[bool, typer.Option(
                   "--repair", help="Rebuild a damaged cache from the server.")] = False,
               timeout: Annotated[float, typer.Option(
                   "--timeout", help="Seconds each step may take.")] = 15.0,
               as_json: JsonOption = False) -> None:
        """Walk the troubleshooting steps in order and say which one fails.

        Network, server, version, standing, why (--to), rate limits, cache; each with
        the cause and remedy. Exit 0 when every step passes (or is skipped), 1 when one fails."""
        if handle is not None:
            wanted = AsyncClient.from_config(server, handle)
            signed_in = bool(wanted.token)
            asyncio.run(wanted.aclose())
            if not signed_in:  # checking as someone means as their session: say there is none
                _fail(f"--as @{handle.removeprefix('@')}: not signed in to {wanted.server}; "
                      f"run `sendable login {handle.removeprefix('@')} --server "
                      f"{wanted.server}` first")
        status = None if as_json else console.status("starting", spinner="dots")

        def started(name: str) -> None:
            if status is not None:
                status.update(f"checking {name}…")

        def done(step: Step) -> None:
            if not as_json:
                _print_step(step)

        async def go() -> tuple[list[Step], bool, str, str | None]:
            async with AsyncClient.from_config(server, handle, retry=Retry(attempts=1),
                                               timeout=min(timeout, 10.0)) as client:
                if not as_json:
                    who = f" as @{escape(client.handle)}" if client.handle else ""
                    console.print(f"sendable doctor: {client.server}{who}")
                d = Doctor(client, to=to, text=text, repair=repair, step_timeout=timeout,
                           on_start=started, on_done=done)
                if status is not None:
                    with status:
                        await d.run()
                else:
                    await d.run()
                return d.steps, d.ok, client.server, client.handle

        steps, ok, url, who = asyncio.run(go())
        if as_json:
            _print_json({"server": url, "handle": who, "ok": ok,
                         "steps": [s.as_dict() for s in steps]})
        else:
            failed = [s for s in steps if s.status == "fail"]
            if failed:
                first = failed[0]
                console.print(f"[red]{len(failed)} step(s) failed[/red]; start with "
                              f"[bold]{first.name}[/bold]"
                              + (f" ({first.code})" if first.code else ""))
            else:
                console.print("[green]all checks passed[/green]")
        raise typer.Exit(0 if ok else 1)


_ICONS = {"pass": "[green]✓ pass[/green]", "fail": "[red]✗ fail[/red]",
          "skip": "[dim]- skip[/dim]"}


def _print_step(step: Step) -> None:
    code = f"[bold]{step.code}[/bold]: " if step.code else ""
    console.print(f"{_ICONS[step.status]} {step.name:<11} {code}{escape(step.message)}")
    if step.status == "fail" and step.remedy:
        console.print(f"{'':19}remedy: {escape(step.remedy)}")
