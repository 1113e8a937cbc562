"""`sendable search Q` and `sendable contacts upload FILE | delete | matches`: finding
people over HTTP with the saved session."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from sendable.client.commands import (
    AsOption,
    JsonOption,
    ServerOption,
    _fail,
    _print_json,
    call_server,
    console,
)
from sendable.contactfile import read_contacts

contacts_app = typer.Typer(help="Your uploaded contacts (kept on the server only as keyed "
                                "hashes).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(contacts_app, name="contacts")

    @app.command()
    def search(q: Annotated[str, typer.Argument(metavar="Q", help="Handle or name prefix.")],
               limit: Annotated[int, typer.Option("--limit", help="Results (1-50).")] = 20,
               server: ServerOption = None, handle: AsOption = None,
               as_json: JsonOption = False) -> None:
        """Find people by handle or display name; says whether you can message each."""
        found = call_server(server, handle, lambda c: c.search(q, limit))
        if as_json:
            _print_json(found)
            return
        if not found["results"]:
            console.print(f"no one found for {escape(q)!r}")
        for person in found["results"]:
            name = f" ({escape(person['display_name'])})" if person.get("display_name") else ""
            can = "[green]can message[/green]" if person["can_message"] else \
                "[red]not accepting messages from you[/red]"
            console.print(f"@{escape(person['handle'])}{name}: {can}")


@contacts_app.command("upload")
def upload(file: Annotated[Path, typer.Argument(help="Emails and phone numbers: one a "
                                                     "line, a CSV export or a vCard file.")],
           enable_sync: Annotated[bool, typer.Option(
               "--enable-sync", help="Turn on contact sync first if it is off.")] = False,
           server: ServerOption = None, handle: AsOption = None,
           as_json: JsonOption = False) -> None:
    """Replace your uploaded contacts with those in FILE; bad entries are listed."""
    try:
        emails, phones = read_contacts(file.read_text(encoding="utf-8", errors="replace"))
    except OSError as error:
        _fail(f"{file}: {error.strerror}")
        return

    async def call(client: Any) -> dict[str, Any]:
        if enable_sync:
            await client.update_settings(sync_contacts=True)
        return await client.upload_contacts(emails, phones)

    result = call_server(server, handle, call)
    if as_json:
        _print_json(result)
        return
    console.print(f"{result['stored']} contact(s) kept, as keyed hashes only")
    for skipped in result["skipped"]:
        console.print(f"  skipped {skipped['field']}: {escape(skipped['message'])}")


@contacts_app.command("delete")
def delete(server: ServerOption = None, handle: AsOption = None) -> None:
    """Delete every contact you uploaded."""
    call_server(server, handle, lambda c: c.delete_contacts())
    console.print("your uploaded contacts are deleted")


@contacts_app.command("matches")
def matches(server: ServerOption = None, handle: AsOption = None,
            as_json: JsonOption = False) -> None:
    """The people among your contacts who can be found here."""
    found = call_server(server, handle, lambda c: c.contact_matches())
    if as_json:
        _print_json({"matches": found})
        return
    for person in found or []:
        console.print(f"@{escape(person['handle'])}")
    if not found:
        console.print("none of your contacts can be found here yet")
