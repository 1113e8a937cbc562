"""The scenario runner (the file format: docs/scenarios.md; its shape: scenario_format.py).

Each scenario gets a fresh service on a real SQLite file and a fixed clock,
loads its state, and runs its steps through the same service code the API
uses. A failed expectation is reported and the scenario goes on.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from sendable import scenario_contacts as people
from sendable.clock import FixedClock, parse_iso
from sendable.durations import parse_duration
from sendable.errors import ServiceError
from sendable.policy import PolicyError, build_policy
from sendable.scenario_expect import check_expectations, observed_of, substitute
from sendable.scenario_groups import GROUP_STEP_KINDS, GroupSteps, ScenarioStepError
from sendable.service import SendResult, Service
from sendable.store.engine import connect, migrate
from sendable.store.temporary import (
    BackendUnreachable,
    check_db,
    check_redis,
    is_server_db,
    temporary_counters,
    temporary_db,
)

_DEFAULT_AGE = 365 * 86400.0
_ADULT = object()
_ACCOUNT_KEYS = {"handle", "created", "verified", "birthdate", "who_can_message", "private",
                 "role", "group_invites", "age"} | people.ACCOUNT_KEYS
_STEP_KINDS = ("send", "why", "advance", "follow", "unfollow", "block", "unblock", "approve",
               "settings", "accept", "decline", "report", "verify", "moderate", "appeal",
               "decide", "status", "search", *GROUP_STEP_KINDS)


class ScenarioError(Exception):
    """A scenario file that cannot be run as written."""


@dataclass
class Failure:
    file: str
    scenario: str
    step: int
    kind: str
    message: str

    def line(self) -> str:
        return f"FAIL {self.file} :: {self.scenario} :: step {self.step} ({self.kind}): {self.message}"


@dataclass
class ScenarioResult:
    file: str
    name: str
    passed: int = 0
    failures: list[Failure] = field(default_factory=list)


_template: Path | None = None


def _fresh_database(workdir: Path) -> Path:
    """A migrated SQLite file: migrate once per process, then copy."""
    global _template
    if _template is None:
        tmp = Path(tempfile.mkdtemp(prefix="sendable-template-"))
        atexit.register(shutil.rmtree, tmp, True)
        engine = connect(str(tmp / "template.db"))
        migrate(engine)
        engine.dispose()
        _template = tmp / "template.db"
    target = workdir / "scenario.db"
    shutil.copyfile(_template, target)
    return target


def load_scenarios(path: Path) -> list[dict[str, Any]]:
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise ScenarioError(f"not valid YAML: {' '.join(str(error).split())}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError(f"cannot read it: {error}") from None
    if isinstance(data, dict) and "scenarios" in data:
        data = data["scenarios"]
    if data is None:
        raise ScenarioError("the file is empty")
    items = data if isinstance(data, list) else [data]
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            where = f"scenario {number}: " if len(items) > 1 else ""
            raise ScenarioError(f"{where}a scenario must be a mapping (name:, accounts:, "
                                f"steps: …), not {type(item).__name__}")
    return items


def _seconds_ago(value: Any, now: float) -> float:
    if isinstance(value, datetime | date):
        return parse_iso(value if isinstance(value, datetime)
                         else datetime(value.year, value.month, value.day))
    text = str(value)
    try:
        return now - parse_duration(text)
    except ValueError:
        return parse_iso(text)


class _Run(GroupSteps):
    """One scenario's state while it runs."""

    def __init__(self, spec: dict[str, Any], file: str, db: str,
                 counters: str | None = None) -> None:
        self.spec = spec
        self.result = ScenarioResult(file, str(spec.get("name", "(unnamed)")))
        now = spec.get("now", "2026-06-01T12:00:00Z")
        self.clock = FixedClock(parse_iso(now if isinstance(now, datetime) else str(now)))
        try:
            policy = build_policy(spec.get("policy") or {})
        except PolicyError as error:
            raise ScenarioError(f"policy: {error}") from None
        self.service = Service.open(db, policy, self.clock, counters)
        self.known: set[str] = set()
        self.last_message: int | None = None
        self.last_held: int | None = None
        self.last_appeal: int | None = None
        self.groups_named: dict[str, int] = {}
        self.messages_named: dict[str, str] = {}
        self.last_stored: str | None = None

    # -- state ---------------------------------------------------------------

    def ensure(self, handle: Any, **settings: Any) -> str:
        handle = str(handle)
        if handle.lower() in self.known:
            return handle
        now = self.clock.now()
        created = settings.pop("created", None)
        # An account is an adult unless it says otherwise; `birthdate: null` is one that
        # never gave it (counted as under the minimum age until it does).
        birthdate = settings.pop("birthdate", _ADULT)
        if "age" in settings:  # `age: 15`: fifteen today
            if birthdate is not _ADULT:
                raise ScenarioError(f"account {handle}: give age or birthdate, not both")
            birthdate = _years_before(now, int(settings.pop("age")))
        if birthdate is _ADULT:
            birthdate = (datetime.fromtimestamp(now, UTC) - timedelta(days=30 * 365)).date()
        self.service.create_account(
            handle,
            created_at=now - _DEFAULT_AGE if created is None else _seconds_ago(created, now),
            birthdate=birthdate if birthdate is None or isinstance(birthdate, date)
            else str(birthdate),
            verified=bool(settings.pop("verified", True)),
            role=str(settings.pop("role", "member")),
            who_can_message=str(settings.pop("who_can_message", "everyone")),
            private=bool(settings.pop("private", False)),
            group_invites=str(settings.pop("group_invites", "mutuals")),
        )
        people.apply_settings(self.service, handle, settings)
        self.known.add(handle.lower())
        return handle

    def load_state(self) -> None:
        for account in self.spec.get("accounts") or []:
            if not isinstance(account, dict) or "handle" not in account:
                raise ScenarioError("each account needs a handle")
            unknown = set(account) - _ACCOUNT_KEYS
            if unknown:
                raise ScenarioError(f"account {account['handle']}: unknown keys {sorted(unknown)}")
            self.ensure(account["handle"], **{k: v for k, v in account.items()
                                              if k not in ("handle", "contacts")})
        for account in self.spec.get("accounts") or []:
            if "contacts" in account:
                people.load_contacts(self.service, account["handle"],
                              [self.ensure(h) for h in account["contacts"] or []])
        for follower, followee in self._pairs("follows"):
            self.service.follow(follower, followee)
            if self.service.account(followee)["private"]:
                self.service.approve_follow(followee, follower)
        for blocker, blocked in self._pairs("blocks"):
            self.service.block(blocker, blocked)

    def _pairs(self, key: str) -> list[tuple[str, str]]:
        pairs = []
        for pair in self.spec.get(key) or []:
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                raise ScenarioError(f"{key}: each entry is [a, b]")
            pairs.append((self.ensure(pair[0]), self.ensure(pair[1])))
        return pairs

    # -- steps -----------------------------------------------------------------

    def run(self) -> ScenarioResult:
        for number, step in enumerate(self.spec.get("steps") or [], start=1):
            if not isinstance(step, dict):
                self.fail(number, "?", "a step must be a mapping")
                continue
            times = int(step.get("repeat", 1))
            for i in range(1, times + 1):
                self.run_step(number, substitute(step, i) if "repeat" in step else step)
        return self.result

    def observed(self, outcome: str, findings: Any, audience: str) -> dict[str, Any]:
        return observed_of(outcome, findings, audience)

    def fail(self, number: int, kind: str, message: str) -> None:
        self.result.failures.append(
            Failure(self.result.file, self.result.name, number, kind, message))

    def run_step(self, number: int, step: dict[str, Any]) -> None:
        kinds = [k for k in _STEP_KINDS if k in step]
        if len(kinds) != 1:
            self.fail(number, "?", f"a step needs exactly one of {', '.join(_STEP_KINDS)}")
            return
        kind = kinds[0]
        try:
            observed = getattr(self, f"step_{kind}")(step[kind])
        except (ServiceError, ScenarioError, ScenarioStepError, ValueError, KeyError,
                TypeError) as error:
            message = getattr(error, "message", None) or str(error)
            self.fail(number, kind, f"error: {message}")
            return
        expect = step.get("expect")
        if expect is None:
            if kind == "sees":  # a step that checks itself
                self.result.passed += 1
            return
        problems = check_expectations(expect, observed or {})
        if problems:
            self.fail(number, kind, "; ".join(problems))
        else:
            self.result.passed += 1

    def _attempt(self, args: dict[str, Any]) -> tuple[str, str, str, str | None]:
        sender, to = self.ensure(args["from"]), self.ensure(args["to"])
        return sender, to, str(args.get("text", "")), args.get("client")

    def step_send(self, args: dict[str, Any]) -> dict[str, Any]:
        if "group" in args:
            group_result = self.group_send(args)
            return observed_of(group_result.outcome, group_result.decision.findings,
                             args.get("audience", "sender"))
        sender, to, text, client = self._attempt(args)
        result: SendResult = self.service.send(sender, to, text, client,
                                               args.get("client_msg_id"))
        self.remember(result, args.get("as"), "dm")
        if result.message is not None:
            self.last_message = result.message["id"]
            if result.outcome == "held":
                self.last_held = result.message["id"]
        return observed_of(result.outcome, result.decision.findings,
                         args.get("audience", "sender"))

    def step_why(self, args: dict[str, Any]) -> dict[str, Any]:
        if "group" in args:
            outcome, findings, masks = self.group_why(args)
            return observed_of(outcome, findings, args.get("audience", "sender"), masks)
        sender, to, text, client = self._attempt(args)
        decision = self.service.why(sender, to, text, client)
        return observed_of(decision.outcome, decision.findings, args.get("audience", "sender"))

    def step_advance(self, args: Any) -> None:
        self.clock.advance(parse_duration(str(args)))

    def _pair(self, args: Any) -> tuple[str, str]:
        if not isinstance(args, list | tuple) or len(args) != 2:
            raise ScenarioError("expects [a, b]")
        return self.ensure(args[0]), self.ensure(args[1])

    def step_follow(self, args: Any) -> None:
        self.service.follow(*self._pair(args))

    def step_unfollow(self, args: Any) -> None:
        self.service.unfollow(*self._pair(args))

    def step_block(self, args: Any) -> None:
        self.service.block(*self._pair(args))

    def step_unblock(self, args: Any) -> None:
        self.service.unblock(*self._pair(args))

    def step_approve(self, args: dict[str, Any]) -> None:
        if "group" in args:
            self.group_approve(args)
            return
        self.service.approve_follow(self.ensure(args["by"]), self.ensure(args["follower"]))

    def step_settings(self, args: dict[str, Any]) -> None:
        self.service.update_settings(self.ensure(args["handle"]),
                                     who_can_message=args.get("who_can_message"),
                                     private=args.get("private"),
                                     group_invites=args.get("group_invites"))
        people.apply_settings(self.service, args["handle"], dict(args))

    def step_accept(self, args: dict[str, Any]) -> None:
        self.service.accept(self.ensure(args["by"]), self.ensure(args["from"]))

    def step_decline(self, args: dict[str, Any]) -> None:
        if "group" in args:
            self.group_decline(args)
            return
        self.service.decline(self.ensure(args["by"]), self.ensure(args["from"]))

    def step_report(self, args: dict[str, Any]) -> None:
        message = args.get("message")
        self.service.report(self.ensure(args["by"]), str(args.get("reason", "spam")),
                            of=self.ensure(args["of"]) if "of" in args else None,
                            message_id=self.last_message if message == "last" else message)

    def step_verify(self, args: dict[str, Any]) -> None:
        self.service.verify(self.ensure(args["handle"]))

    def _moderator(self, args: dict[str, Any]) -> str | None:
        if "by" in args:
            return self.ensure(args["by"])
        for handle in sorted(self.known):
            if self.service.account(handle)["role"] == "moderator":
                return handle
        return None

    def step_moderate(self, args: dict[str, Any]) -> None:
        action, actor = args.get("action"), self._moderator(args)
        if action == "release":
            message = args.get("message", "last")
            target = self.last_held if message == "last" else int(message)
            if target is None:
                raise ScenarioError("no held message to release")
            self.service.release(target, actor)
            return
        if action in ("close_group", "reopen_group"):
            self.moderate_group(action, args, actor)
            return
        handle = self.ensure(args["handle"])
        if action == "ban":
            length = args.get("for")
            seconds = None if length in (None, "permanent") else parse_duration(str(length))
            self.service.ban(handle, seconds, args.get("scope"), actor,
                             args.get("reason"))
        elif action == "unban":
            self.service.unban(handle, actor)
        elif action == "strike":
            self.service.strike(handle, str(args.get("category", "harassment")), actor,
                                args.get("note"))
        elif action == "flag":
            self.service.flag(handle, actor, args.get("reason"))
        elif action == "unflag":
            self.service.unflag(handle, actor)
        else:
            raise ScenarioError(f"unknown moderate action {action!r}")

    def step_appeal(self, args: dict[str, Any]) -> None:
        # A scenario may leave the statement out; a person always writes one.
        statement = str(args.get("statement") or "Please review this decision.")
        self.last_appeal = self.service.appeal(self.ensure(args["by"]), str(args["target"]),
                                               statement)

    def step_decide(self, args: dict[str, Any]) -> None:
        appeal = args.get("appeal", "last")
        appeal_id = self.last_appeal if appeal == "last" else int(appeal)
        if appeal_id is None:
            raise ScenarioError("no appeal to decide")
        self.service.decide_appeal(appeal_id, str(args["decision"]), self._moderator(args),
                                   args.get("note"))

    def step_search(self, args: dict[str, Any]) -> dict[str, Any]:
        return people.search(self.service, self.ensure(args["by"]), args)

    def step_status(self, args: dict[str, Any]) -> dict[str, Any]:
        return self.service.status(self.ensure(args["handle"]))


def scenario_files(paths: Iterable[str | Path]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml"))
        elif path.exists():
            files.append(path)
        else:
            raise ScenarioError(f"{path}: no such file or folder")
    return files


def run_paths(paths: Iterable[str | Path], db: str | None = None,
              counters: str | None = None) -> list[ScenarioResult]:
    """Run every scenario in `paths`; each gets a fresh database and counters on the
    backends given (a PostgreSQL URL: a scratch schema each; a Redis URL: a key prefix each)."""
    try:
        if is_server_db(db):
            check_db(str(db))
        if counters and not counters.startswith("memory://"):
            check_redis(counters)
    except BackendUnreachable as error:
        raise ScenarioError(str(error)) from None
    results: list[ScenarioResult] = []
    for path in scenario_files(paths):
        try:
            specs = load_scenarios(path)
        except ScenarioError as error:
            broken = ScenarioResult(str(path), "(file)")
            broken.failures.append(Failure(str(path), "(file)", 0, "load", str(error)))
            results.append(broken)
            continue
        for spec in specs:
            results.append(run_scenario(spec, str(path), db, counters))
    return results


def run_scenario(spec: dict[str, Any], file: str = "<scenario>", db: str | None = None,
                 counters: str | None = None, keep_in: Path | None = None) -> ScenarioResult:
    """Run one scenario on a fresh database. `keep_in`: a folder where its SQLite file
    (scenario.db) is made and left afterwards, to look at what it stored."""
    from sendable.scenario_format import check

    problems = check(spec, _STEP_KINDS)
    if problems:  # malformed: every problem named, nothing run
        named = ScenarioResult(file, problems[0].scenario)
        named.failures += [Failure(file, p.scenario, p.step, p.kind, p.message)
                           for p in problems]
        return named
    with ExitStack() as stack:
        if is_server_db(db):
            scenario_db = stack.enter_context(temporary_db(db))
        elif keep_in is not None:
            scenario_db = str(_fresh_database(keep_in))
        else:
            workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="sendable-scenario-"))
            scenario_db = str(_fresh_database(Path(workdir)))
        scenario_counters = stack.enter_context(temporary_counters(counters))
        run: _Run | None = None
        try:
            run = _Run(spec, file, scenario_db, scenario_counters)
            run.load_state()
            return run.run()
        except (ScenarioError, ServiceError, ValueError, KeyError, TypeError) as error:
            result = run.result if run else ScenarioResult(file, str(spec.get("name", "")))
            message = getattr(error, "message", None) or str(error)
            result.failures.append(Failure(file, result.name, 0, "setup", message))
            return result
        finally:
            if run is not None:
                run.service.close()


def _years_before(now: float, years: int) -> date:
    """The birthdate of someone who turns `years` on the day of `now`."""
    today = datetime.fromtimestamp(now, UTC).date()
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February, in a year that has none: one day older
        return today.replace(year=today.year - years, day=28)
