"""`sendable group …`: make a group, put people in, join (by invitation or by link),
send to it, read it, forward, mute, leave, report, and ask why, on the saved
session. Exit codes as the other client commands: 0 done, 1 refused (every reason
printed) or turned down by the server, 2 usage or sign-in trouble."""

from __future__ import annotations

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
    reason_lines,
)

group_app = typer.Typer(help="Group conversations.", no_args_is_help=True)

GroupArg = Annotated[int, typer.Argument(metavar="GROUP_ID", help="The group's id.")]
HandleArg = Annotated[str, typer.Argument(metavar="HANDLE")]

# What each invite outcome asks of whom, after the outcome itself.
_NEXT = {"added": "", "invited": " — they must accept: sendable group join {group}",
         "pending_approval": " — waits for the owner: sendable group approve {group} {handle}",
         "refused": ""}


def register(app: typer.Typer) -> None:
    app.add_typer(group_app, name="group")


def _print_reasons(reasons: list[dict[str, Any]]) -> None:
    for line in reason_lines(reasons):
        console.print(line)


def _print_results(group_id: int, results: list[dict[str, Any]]) -> None:
    """One line per person put in the group, then every reason they were refused."""
    for result in results:
        after = _NEXT.get(result["outcome"], "").format(group=group_id,
                                                         handle=result["handle"])
        console.print(f"- @{escape(result['handle'])}: {result['outcome']}{escape(after)}")
        _print_reasons(result["reasons"])


@group_app.command("create")
def create(name: Annotated[str, typer.Argument(metavar="NAME")],
           members: Annotated[list[str], typer.Argument(metavar="HANDLE...")],
           server: ServerOption = None, handle: AsOption = None,
           as_json: JsonOption = False) -> None:
    """Make a group; each person is added, invited, waits for approval, or is refused."""
    body = call_server(server, handle, lambda c: c.groups.create(name, members))
    if as_json:
        _print_json(body)
        return
    console.print(f"group {body['group']['id']} '{escape(body['group']['name'])}'")
    _print_results(body["group"]["id"], body["results"])


@group_app.command("add")
def add(group: GroupArg, members: Annotated[list[str], typer.Argument(metavar="HANDLE...")],
        server: ServerOption = None, handle: AsOption = None,
        as_json: JsonOption = False) -> None:
    """Put people in the group; each is added, invited, waits for approval, or is refused.

    Every refusal comes with every reason, as for create."""
    results = call_server(server, handle, lambda c: c.groups.add(group, members))
    if as_json:
        _print_json({"results": results})
    else:
        _print_results(group, results)


@group_app.command("list")
def list_groups(server: ServerOption = None, handle: AsOption = None,
                as_json: JsonOption = False) -> None:
    """The groups you are in or invited to."""
    groups = call_server(server, handle, lambda c: c.groups.list())
    if as_json:
        _print_json(groups)
        return
    for g in groups:
        muted = ", muted" if g.get("muted") else ""
        console.print(f"{g['id']}  {escape(g['name'])}  ({g['state']}, "
                      f"{len(g['members'])} members{muted})")
    if not groups:
        console.print("you are in no group")


@group_app.command("rename")
def rename(group: GroupArg, name: Annotated[str, typer.Argument(metavar="NAME")],
           server: ServerOption = None, handle: AsOption = None,
           as_json: JsonOption = False) -> None:
    """Rename the group (its owner only)."""
    body = call_server(server, handle, lambda c: c.groups.rename(group, name))
    if as_json:
        _print_json(body)
    else:
        console.print(f"group {body['id']} is now '{escape(body['name'])}'")


@group_app.command("remove")
def remove(group: GroupArg, who: HandleArg, server: ServerOption = None,
           handle: AsOption = None) -> None:
    """Take someone out of the group, or withdraw their invitation (owner only)."""
    call_server(server, handle, lambda c: c.groups.remove(group, who))
    console.print(f"@{escape(who.removeprefix('@'))} is no longer in group {group}")


@group_app.command("leave")
def leave(group: GroupArg, server: ServerOption = None, handle: AsOption = None) -> None:
    """Leave the group; if you own it, the member who joined earliest owns it next."""
    call_server(server, handle, lambda c: c.groups.leave(group))
    console.print(f"you left group {group}")


@group_app.command("join")
def join(group: Annotated[int | None, typer.Argument(
             metavar="GROUP_ID", help="Accept your invitation to this group.")] = None,
         token: Annotated[str | None, typer.Option(
             "--token", help="Join through a group's link instead (sendable group link).")
         ] = None,
         server: ServerOption = None, handle: AsOption = None,
         as_json: JsonOption = False) -> None:
    """Accept an invitation (GROUP_ID), or join through a link (--token).

    You are in, wait for the owner's approval, or are refused with every reason
    (exit 1)."""
    if (group is None) == (token is None):
        _fail("give GROUP_ID (an invitation) or --token (a link), not both")
    if token is not None:
        body = call_server(server, handle, lambda c: c.groups.join_by_link(token),
                           refused="not joined: refused")
        if as_json:
            _print_json(body)
        elif body["outcome"] == "pending_approval":
            console.print("waiting for the group's owner to approve you")
        else:
            console.print(f"[green]✓ {body['outcome']}[/green]: you are in the group "
                          "(sendable group list)")
        return
    assert group is not None
    body = call_server(server, handle, lambda c: c.groups.join(group))
    if as_json:
        _print_json(body)
    elif body["state"] == "pending_approval":
        console.print(f"waiting for the owner of group {group} to approve you")
    else:
        console.print(f"[green]✓ joined[/green] group {group}")


@group_app.command("decline")
def decline(group: GroupArg, server: ServerOption = None, handle: AsOption = None) -> None:
    """Turn down your invitation to the group."""
    call_server(server, handle, lambda c: c.groups.decline(group))
    console.print(f"declined the invitation to group {group}")


@group_app.command("approve")
def approve(group: GroupArg, who: HandleArg, server: ServerOption = None,
            handle: AsOption = None, as_json: JsonOption = False) -> None:
    """Let someone waiting into your group (the owner of a teen's group)."""
    body = call_server(server, handle, lambda c: c.groups.approve(group, who))
    if as_json:
        _print_json(body)
    elif body["state"] == "member":
        console.print(f"[green]✓ @{escape(body['handle'])}[/green] is now a member of "
                      f"group {group}")
    else:
        console.print(f"[green]✓ @{escape(body['handle'])} approved[/green]; they have yet "
                      f"to accept: sendable group join {group}")


@group_app.command("link")
def link(group: GroupArg, server: ServerOption = None, handle: AsOption = None,
         as_json: JsonOption = False) -> None:
    """The group's join link token (the same each time), for others to join with."""
    token = call_server(server, handle, lambda c: c.groups.link(group))
    if as_json:
        _print_json({"group_id": group, "token": token})
        return
    console.print(token, markup=False, highlight=False)
    console.print(f"  others join with: sendable group join --token {token}",
                  markup=False, highlight=False)


@group_app.command("mute")
def mute(group: GroupArg, server: ServerOption = None, handle: AsOption = None) -> None:
    """Mute the group: its messages still arrive, marked muted."""
    call_server(server, handle, lambda c: c.groups.mute(group))
    console.print(f"group {group} muted: its messages still arrive, marked muted")


@group_app.command("unmute")
def unmute(group: GroupArg, server: ServerOption = None, handle: AsOption = None) -> None:
    """Unmute the group."""
    call_server(server, handle, lambda c: c.groups.unmute(group))
    console.print(f"group {group} unmuted")


@group_app.command("send")
def send(group: GroupArg, text: Annotated[str, typer.Argument(metavar="TEXT")],
         server: ServerOption = None, handle: AsOption = None,
         as_json: JsonOption = False) -> None:
    """Send TEXT to the group: the outcome, or every reason."""
    body = call_server(server, handle, lambda c: c.groups.send(group, text))
    if as_json:
        _print_json(body)
    else:
        console.print(f"[green]✓ {body['message']['outcome']}[/green] to the group")
        for notice in body.get("notices", []):
            console.print(f"  {escape(notice['message'])}")


@group_app.command("forward")
def forward(message: Annotated[int, typer.Argument(
                metavar="MESSAGE_ID", help="A message you can see (ids: group read --json).")],
            to: Annotated[str | None, typer.Option("--to", help="A person.")] = None,
            group: Annotated[int | None, typer.Option("--group", help="A group id.")] = None,
            server: ServerOption = None, handle: AsOption = None,
            as_json: JsonOption = False) -> None:
    """Forward a message to a person (--to) or a group (--group), checked as a send.

    Prints the outcome, or every reason (exit 1)."""
    if (to is None) == (group is None):
        _fail("give --to HANDLE or --group GROUP_ID, not both")
    body = call_server(server, handle, lambda c: c.groups.forward(message, to=to, group=group),
                       refused="not forwarded: refused")
    if as_json:
        _print_json(body)
        return
    where = f"group {group}" if group is not None else f"@{escape((to or '').removeprefix('@'))}"
    outcome = body["message"]["outcome"]
    head = {"delivered": f"[green]✓ forwarded[/green] to {where}",
            "requested": f"[green]✓ forwarded[/green] to {where}'s message requests",
            "held": f"[yellow]✓ held for review[/yellow] before it reaches {where}"}
    console.print(head.get(outcome, f"✓ {outcome} ({where})"))
    for notice in body.get("notices", []):
        console.print(f"  {escape(notice['message'])}")


@group_app.command("read")
def read(group: GroupArg, server: ServerOption = None, handle: AsOption = None,
         as_json: JsonOption = False) -> None:
    """The group's messages, as you see them."""
    rows = call_server(server, handle, lambda c: c.groups.messages(group))
    if as_json:
        _print_json(rows)
        return
    for m in rows:
        mark = " (forwarded)" if m.get("forwarded") else ""
        console.print(f"@{m['from']}{mark}: {escape(m['text'])}")


@group_app.command("report")
def report(group: GroupArg, reason: Annotated[str, typer.Argument(
               metavar="REASON", help="What is wrong, e.g. spam or harassment.")],
           server: ServerOption = None, handle: AsOption = None,
           as_json: JsonOption = False) -> None:
    """Report the whole group to the moderators."""
    report_id = call_server(server, handle, lambda c: c.groups.report(group, reason))
    if as_json:
        _print_json({"id": report_id})
    else:
        console.print(f"reported group {group} to the moderators (report {report_id})")


@group_app.command("why")
def why(group: GroupArg, text: Annotated[str, typer.Option("--text")] = "",
        invite: Annotated[str | None, typer.Option("--invite", help="A handle.")] = None,
        server: ServerOption = None, handle: AsOption = None,
        as_json: JsonOption = False) -> None:
    """Could I send this to the group, or put this person in it? Exit 1 if not."""
    body = call_server(server, handle, lambda c: c.groups.why(group, text, invite))
    if as_json:
        _print_json(body)
    else:
        console.print("can send" if body["sendable"] else "cannot")
        _print_reasons(body["reasons"])
    if not body["sendable"]:
        raise typer.Exit(1)
