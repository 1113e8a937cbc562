"""`sendable group …`: make a group, send to it, read it, and ask why, on the saved
session. Exit codes as the other client commands: 0 done, 1 refused, 2 usage."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import typer
from rich.markup import escape

from sendable.client.commands import (
    AsOption,
    JsonOption,
    ServerOption,
    _client,
    _fail,
    _print_json,
    console,
    reason_lines,
)
from sendable.client.core import ApiError, AsyncClient

GroupArg = Annotated[int, typer.Argument(metavar="GROUP_ID", help="The group's id.")]


def _run(server: str | None, handle: str | None,
         action: Callable[[AsyncClient], Awaitable[Any]]) -> Any:
    client = _client(server, handle)

    async def go() -> Any:
        async with client:
            return await action(client)

    try:
        return asyncio.run(go())
    except ApiError as error:
        reasons = (error.body or {}).get("reasons") if isinstance(error.body, dict) else None
        if reasons:
            console.print("[red]✗ refused[/red]")
            _print_reasons(reasons)
            raise typer.Exit(1) from None
        _fail(error.message)


def _print_reasons(reasons: list[dict[str, Any]]) -> None:
    for line in reason_lines(reasons):
        console.print(line)


def register(app: typer.Typer) -> None:
    group_app = typer.Typer(help="Group conversations.", no_args_is_help=True)
    app.add_typer(group_app, name="group")

    @group_app.command("create")
    def create(name: Annotated[str, typer.Argument(metavar="NAME")],
               members: Annotated[list[str], typer.Argument(metavar="HANDLE...")],
               server: ServerOption = None, handle: AsOption = None,
               as_json: JsonOption = False) -> None:
        """Make a group; each person is added, invited, waits for approval, or is refused."""
        body = _run(server, handle, lambda c: c.groups.create(name, members))
        if as_json:
            _print_json(body)
            return
        console.print(f"group {body['group']['id']} '{escape(body['group']['name'])}'")
        for result in body["results"]:
            console.print(f"- @{result['handle']}: {result['outcome']}")
            _print_reasons(result["reasons"])

    @group_app.command("list")
    def list_groups(server: ServerOption = None, handle: AsOption = None,
                    as_json: JsonOption = False) -> None:
        """The groups you are in or invited to."""
        groups = _run(server, handle, lambda c: c.groups.list())
        if as_json:
            _print_json(groups)
            return
        for g in groups:
            console.print(f"{g['id']}  {escape(g['name'])}  ({g['state']}, "
                          f"{len(g['members'])} members)")

    @group_app.command("send")
    def send(group: GroupArg, text: Annotated[str, typer.Argument(metavar="TEXT")],
             server: ServerOption = None, handle: AsOption = None,
             as_json: JsonOption = False) -> None:
        """Send TEXT to the group: the outcome, or every reason."""
        body = _run(server, handle, lambda c: c.groups.send(group, text))
        if as_json:
            _print_json(body)
        else:
            console.print(f"[green]✓ {body['message']['outcome']}[/green] to the group")

    @group_app.command("read")
    def read(group: GroupArg, server: ServerOption = None, handle: AsOption = None,
             as_json: JsonOption = False) -> None:
        """The group's messages, as you see them."""
        rows = _run(server, handle, lambda c: c.groups.messages(group))
        if as_json:
            _print_json(rows)
            return
        for m in rows:
            console.print(f"@{m['from']}: {escape(m['text'])}")

    @group_app.command("why")
    def why(group: GroupArg, text: Annotated[str, typer.Option("--text")] = "",
            invite: Annotated[str | None, typer.Option("--invite", help="A handle.")] = None,
            server: ServerOption = None, handle: AsOption = None,
            as_json: JsonOption = False) -> None:
        """Could I send this to the group, or put this person in it? Exit 1 if not."""
        body = _run(server, handle, lambda c: c.groups.why(group, text, invite))
        if as_json:
            _print_json(body)
        else:
            console.print("can send" if body["sendable"] else "cannot")
            _print_reasons(body["reasons"])
        if not body["sendable"]:
            raise typer.Exit(1)
