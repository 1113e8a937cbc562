"""`sendable mod`: the moderation queue, actions, appeals and the audit log."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from sendable.cli.common import (
    DbOption,
    JsonOption,
    PolicyOption,
    app,
    done,
    fail,
    policy_or_exit,
    print_json,
    run_service,
    say,
)

mod_app = typer.Typer(help="Moderation: the queue, actions, appeals and the audit log.",
                      no_args_is_help=True)
app.add_typer(mod_app, name="mod")

ByOption = Annotated[str | None, typer.Option(
    "--by", envvar="SENDABLE_MODERATOR", show_envvar=True,
    help="The moderator acting (a handle): required, it goes in the audit log.")]


def acting(by: str | None) -> str:
    """The moderator an action is audited under: always a person, never "system"."""
    if by is None or not by.strip():
        fail("--by: name the moderator acting (--by HANDLE, or SENDABLE_MODERATOR); "
             "every action is audited under a person")
        raise AssertionError from None
    return by.strip().removeprefix("@")


HandleArg = Annotated[str, typer.Argument(metavar="HANDLE", help="The account.")]


@mod_app.command("queue")
def mod_queue(db: DbOption = None, policy: PolicyOption = None,
              as_json: JsonOption = False) -> None:
    """What needs a moderator, most urgent first (held messages, reports, appeals)."""
    items = run_service(db, policy, lambda s: s.mod_queue(), {})
    if as_json:
        print_json(items)
        return
    if not items:
        say("the queue is empty")
    for item in items:
        if item["kind"] == "held_message":
            what = f"held message {item['id']} @{item['from']} → @{item['to']}: {item['text']!r}"
        elif item["kind"] == "held_group_message":
            what = (f"held group message {item['id']} @{item['from']} → group "
                    f"{item['group']['name']!r} (#{item['group']['id']}): {item['text']!r}")
        elif item["kind"] == "reports":
            what = (f"reports about @{item['handle']}: {item['reports']} from "
                    f"{item['distinct_reporters']} reporter(s) {item['reasons']}")
        else:
            what = f"appeal {item['id']} by @{item['handle']} of {item['target']}: " \
                   f"{item['statement']!r}"
        # user text is printed as is: never read as Rich markup
        say(f"{item['priority']:>4} {what}")
        say(f"      {item['priority_reason']}; since {item['created_at']}")


@mod_app.command("ban")
def mod_ban(handle: HandleArg,
            length: Annotated[str | None, typer.Option(
                "--for", help="How long, like 24h or 7d; leave out for a permanent ban.")] = None,
            scope: Annotated[str | None, typer.Option(
                "--scope", help="messaging or account (default: the policy's ban_scope).")]
            = None,
            reason: Annotated[str | None, typer.Option("--reason")] = None,
            by: ByOption = None, db: DbOption = None, policy: PolicyOption = None,
            as_json: JsonOption = False) -> None:
    """Ban an account, for a while (--for 24h) or for good."""
    by = acting(by)
    from sendable.durations import parse_duration

    seconds = None
    if length is not None and length != "permanent":
        try:
            seconds = parse_duration(length)
        except ValueError as error:
            fail(f"--for: {error}")
    if scope is not None and scope not in ("messaging", "account"):
        fail(f"--scope: must be messaging or account, not {scope!r}")
    ban_id = run_service(db, policy, lambda s: s.ban(handle, seconds, scope, by, reason),
                  {"handle": "HANDLE", "scope": "--scope", "by": "--by"})
    scope = scope or policy_or_exit(policy).enforcement.ban_scope
    done(as_json, {"ban_id": ban_id, "handle": handle, "scope": scope, "seconds": seconds},
          f"banned @{handle} ({scope}) " + (f"for {length}" if seconds else "permanently")
          + f": ban:{ban_id}")


@mod_app.command("unban")
def mod_unban(handle: HandleArg, reason: Annotated[str | None, typer.Option("--reason")] = None,
              by: ByOption = None, db: DbOption = None, policy: PolicyOption = None,
              as_json: JsonOption = False) -> None:
    """Lift every ban in force on an account."""
    by = acting(by)
    lifted = run_service(db, policy, lambda s: s.unban(handle, by, reason),
                  {"handle": "HANDLE", "by": "--by"})
    done(as_json, {"handle": handle, "lifted": lifted},
          f"lifted {len(lifted)} ban(s) on @{handle}" if lifted else f"@{handle} was not banned")


@mod_app.command("strike")
def mod_strike(handle: HandleArg,
               category: Annotated[str, typer.Option(
                   "--category", help="harassment, hate, violence, sexual, self_harm, "
                                      "illegal or misinformation.")],
               note: Annotated[str | None, typer.Option("--note")] = None,
               by: ByOption = None, db: DbOption = None, policy: PolicyOption = None,
               as_json: JsonOption = False) -> None:
    """Give a strike; the ladder step it reaches applies at once."""
    by = acting(by)
    def act(s):  # type: ignore[no-untyped-def]
        strike_id = s.strike(handle, category, by, note)
        return strike_id, s.status(handle)

    strike_id, status = run_service(db, policy, act, {"handle": "HANDLE", "category": "--category",
                                               "by": "--by"})
    done(as_json, {"strike_id": strike_id, "status": status},
          f"strike:{strike_id} on @{handle}; active strikes {status['strikes']}"
          + (f", banned ({status['ban_scope']}) until {status['ban_until'] or 'forever'}"
             if status["banned"] else ""))


@mod_app.command("flag")
def mod_flag(handle: HandleArg, reason: Annotated[str | None, typer.Option("--reason")] = None,
             by: ByOption = None, db: DbOption = None, policy: PolicyOption = None,
             as_json: JsonOption = False) -> None:
    """Flag an account: it may message only accounts that follow it."""
    by = acting(by)
    run_service(db, policy, lambda s: s.flag(handle, by, reason), {"handle": "HANDLE", "by": "--by"})
    done(as_json, {"handle": handle, "flagged": True}, f"flagged @{handle}")


@mod_app.command("unflag")
def mod_unflag(handle: HandleArg, reason: Annotated[str | None, typer.Option("--reason")] = None,
               by: ByOption = None, db: DbOption = None, policy: PolicyOption = None,
               as_json: JsonOption = False) -> None:
    """Clear an account's flag."""
    by = acting(by)
    run_service(db, policy, lambda s: s.unflag(handle, by, reason), {"handle": "HANDLE", "by": "--by"})
    done(as_json, {"handle": handle, "flagged": False}, f"cleared the flag on @{handle}")


@mod_app.command("release")
def mod_release(message_id: Annotated[int, typer.Argument(metavar="MESSAGE_ID")],
                by: ByOption = None, db: DbOption = None, policy: PolicyOption = None,
                as_json: JsonOption = False) -> None:
    """Show a held message to its recipient (or, in a group, to the group)."""
    by = acting(by)
    message = run_service(db, policy, lambda s: s.release(message_id, by),
                   {"message_id": "MESSAGE_ID", "by": "--by"})
    done(as_json, message, f"released message {message_id} ({message['outcome']})")


@mod_app.command("confirm")
def mod_confirm(message_id: Annotated[int, typer.Argument(metavar="MESSAGE_ID")],
                by: ByOption = None, db: DbOption = None, policy: PolicyOption = None,
                as_json: JsonOption = False) -> None:
    """Keep a held message held (direct or group): it leaves the queue and becomes a
    label for the check that held it; its sender may still appeal."""
    by = acting(by)
    confirmed = run_service(db, policy, lambda s: s.confirm_held(message_id, by),
                            {"message_id": "MESSAGE_ID", "by": "--by"})
    done(as_json, confirmed, f"message {message_id} stays held (confirmed; "
                             f"{confirmed['labels']} label(s) stored)")


@mod_app.command("label")
def mod_label(message_id: Annotated[int, typer.Argument(metavar="MESSAGE_ID")],
              verdict: Annotated[str, typer.Argument(metavar="VERDICT", help="spam or ham.")],
              by: ByOption = None, db: DbOption = None, policy: PolicyOption = None,
              as_json: JsonOption = False) -> None:
    """Tell the spam filter whether a stored message was spam; it learns from it at once."""
    by = acting(by)
    if verdict not in ("spam", "ham"):
        fail(f"VERDICT: must be spam or ham, not {verdict!r}")
    run_service(db, policy, lambda s: s.label_message(message_id, verdict == "spam", by),
         {"message_id": "MESSAGE_ID", "by": "--by"})
    done(as_json, {"message_id": message_id, "verdict": verdict},
          f"message {message_id} labelled {verdict}; the spam filter learned from it")


@mod_app.command("resolve")
def mod_resolve(handle: HandleArg, note: Annotated[str | None, typer.Option("--note")] = None,
                verdict: Annotated[str | None, typer.Option(
                    "--verdict", help="upheld or dismissed: the reported messages become "
                                      "spam or abuse labels the models learn from.")] = None,
                by: ByOption = None, db: DbOption = None, policy: PolicyOption = None,
                as_json: JsonOption = False) -> None:
    """Close the open reports about an account (takes them off the queue)."""
    by = acting(by)
    if verdict not in (None, "upheld", "dismissed"):
        fail(f"--verdict: must be upheld or dismissed, not {verdict!r}")
    ids = run_service(db, policy, lambda s: s.resolve_reports(handle, by, note, verdict),
               {"handle": "HANDLE", "by": "--by"})
    done(as_json, {"handle": handle, "resolved": ids},
          f"resolved {len(ids)} report(s) about @{handle}")


@mod_app.command("appeals")
def mod_appeals(handle: Annotated[str | None, typer.Option("--handle")] = None,
                state: Annotated[str, typer.Option(
                    "--state", help="open, upheld, overturned or all.")] = "open",
                db: DbOption = None, policy: PolicyOption = None,
                as_json: JsonOption = False) -> None:
    """List appeals (open ones by default)."""
    if state not in ("open", "upheld", "overturned", "all"):
        fail(f"--state: must be open, upheld, overturned or all, not {state!r}")
    rows = run_service(db, policy, lambda s: s.appeals(handle, None if state == "all" else state),
                {"handle": "--handle"})
    if as_json:
        print_json(rows)
        return
    if not rows:
        say(f"no {'' if state == 'all' else state + ' '}appeals")
    for r in rows:
        say(f"appeal {r['id']} [{r['state']}] @{r['handle']} {r['target']} "
                   f"({r['created_at']}): {r['statement']}"
                   + (f" — note: {r['note']}" if r["note"] else ""))


@mod_app.command("decide")
def mod_decide(appeal_id: Annotated[int, typer.Argument(metavar="APPEAL_ID")],
               decision: Annotated[str, typer.Argument(metavar="DECISION",
                                                       help="uphold or overturn.")],
               note: Annotated[str | None, typer.Option("--note")] = None,
               by: ByOption = None, db: DbOption = None, policy: PolicyOption = None,
               as_json: JsonOption = False) -> None:
    """Uphold or overturn an appeal."""
    by = acting(by)
    if decision not in ("uphold", "overturn"):
        fail(f"DECISION: must be uphold or overturn, not {decision!r}")
    result = run_service(db, policy, lambda s: s.decide_appeal(appeal_id, decision, by, note),
                  {"appeal": "APPEAL_ID", "decision": "DECISION", "by": "--by"})
    done(as_json, result,
          f"appeal {appeal_id} {result['state']}"
          + (f"; removed strikes {result['strikes']}, lifted bans {result['bans']}"
             if result["state"] == "overturned" else ""))


@mod_app.command("audit")
def mod_audit(handle: Annotated[str | None, typer.Argument(metavar="[HANDLE]")] = None,
              limit: Annotated[int, typer.Option("--limit", min=1, max=10000)] = 200,
              db: DbOption = None, policy: PolicyOption = None,
              as_json: JsonOption = False) -> None:
    """The audit log, newest first (one account's, or everyone's)."""
    rows = run_service(db, policy, lambda s: s.audit_log(handle, limit), {"handle": "HANDLE"})
    if as_json:
        print_json(rows)
        return
    for r in rows:
        actor = f"@{r['actor']}" if r["actor"] else "system"
        target = f"@{r['account']}" if r["account"] else "-"
        say(f"#{r['id']} {r['at']} {r['action']} {target} by {actor} "
                   f"{json.dumps(r['detail'], default=str)}")


@mod_app.command("explain")
def mod_explain(handle: HandleArg, db: DbOption = None, policy: PolicyOption = None,
                as_json: JsonOption = False) -> None:
    """Why an account is restricted today, traced to the audit log."""
    entries = run_service(db, policy, lambda s: s.explain_restrictions(handle), {"handle": "HANDLE"})
    if as_json:
        print_json(entries)
        return
    if not entries:
        say(f"@{handle} has no restrictions")
    for e in entries:
        ids = ", ".join(f"#{i}" for i in e["audit_ids"]) or "none"
        say(f"- {e['restriction']}: {e['text']} (audit {ids})")


