"""The scenario runner (CONTRACT.md §5).

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

from sendable.clock import FixedClock, parse_iso
from sendable.durations import parse_duration
from sendable.errors import ServiceError
from sendable.policy import PolicyError, build_policy
from sendable.reasons import for_audience, render_all
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
                 "role"}
_STEP_KINDS = ("send", "why", "advance", "follow", "unfollow", "block", "unblock", "approve",
               "settings", "accept", "decline", "report", "verify", "moderate", "appeal",
               "decide", "status")


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
        raise ScenarioError(f"not valid YAML: {error}") from None
    if isinstance(data, dict) and "scenarios" in data:
        data = data["scenarios"]
    items = data if isinstance(data, list) else [data]
    for item in items:
        if not isinstance(item, dict):
            raise ScenarioError("a scenario must be a mapping")
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


class _Run:
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
        )
        self.known.add(handle.lower())
        return handle

    def load_state(self) -> None:
        for account in self.spec.get("accounts") or []:
            if not isinstance(account, dict) or "handle" not in account:
                raise ScenarioError("each account needs a handle")
            unknown = set(account) - _ACCOUNT_KEYS
            if unknown:
                raise ScenarioError(f"account {account['handle']}: unknown keys {sorted(unknown)}")
            self.ensure(account["handle"], **{k: v for k, v in account.items() if k != "handle"})
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
                self.run_step(number, _substitute(step, i) if "repeat" in step else step)
        return self.result

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
        except (ServiceError, ScenarioError, ValueError, KeyError, TypeError) as error:
            message = getattr(error, "message", None) or str(error)
            self.fail(number, kind, f"error: {message}")
            return
        expect = step.get("expect")
        if expect is None:
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
        sender, to, text, client = self._attempt(args)
        result: SendResult = self.service.send(sender, to, text, client,
                                               args.get("client_msg_id"))
        if result.message is not None:
            self.last_message = result.message["id"]
            if result.outcome == "held":
                self.last_held = result.message["id"]
        return _observed(result.outcome, result.decision.findings,
                         args.get("audience", "sender"))

    def step_why(self, args: dict[str, Any]) -> dict[str, Any]:
        sender, to, text, client = self._attempt(args)
        decision = self.service.why(sender, to, text, client)
        return _observed(decision.outcome, decision.findings, args.get("audience", "sender"))

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
        self.service.approve_follow(self.ensure(args["by"]), self.ensure(args["follower"]))

    def step_settings(self, args: dict[str, Any]) -> None:
        self.service.update_settings(self.ensure(args["handle"]),
                                     who_can_message=args.get("who_can_message"),
                                     private=args.get("private"))

    def step_accept(self, args: dict[str, Any]) -> None:
        self.service.accept(self.ensure(args["by"]), self.ensure(args["from"]))

    def step_decline(self, args: dict[str, Any]) -> None:
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

    def step_status(self, args: dict[str, Any]) -> dict[str, Any]:
        return self.service.status(self.ensure(args["handle"]))


def _substitute(value: Any, i: int) -> Any:
    if isinstance(value, str):
        return value.replace("{i}", str(i))
    if isinstance(value, dict):
        return {k: _substitute(v, i) for k, v in value.items() if k != "repeat"}
    if isinstance(value, list):
        return [_substitute(v, i) for v in value]
    return value


def _observed(outcome: str, findings: Iterable[Any], audience: str) -> dict[str, Any]:
    shown = for_audience(findings, audience)
    rendered = render_all(findings, audience)
    primary = rendered[0] if rendered else None
    return {
        "outcome": outcome,
        "sendable": outcome != "refused",
        "codes": [f.code for f in shown],
        "code": primary["code"] if primary else None,
        "retry_after": primary["retry_after"] if primary else None,
        "appealable": primary["appealable"] if primary else None,
    }


def _in_range(value: Any, bounds: Any) -> bool:
    if bounds is None:  # `retry_after: null`: no wait at all
        return value is None
    if value is None:
        return False
    if isinstance(bounds, dict):
        low, high = bounds.get("min"), bounds.get("max")
        return (low is None or value >= low) and (high is None or value <= high)
    return value == bounds


def check_expectations(expect: dict[str, Any], observed: dict[str, Any]) -> list[str]:
    problems = []
    for key, wanted in expect.items():
        got = observed.get(key)
        if key == "codes":
            missing = [c for c in wanted if c not in observed.get("codes", [])]
            if missing:
                problems.append(f"expected codes {missing} among {observed.get('codes')}")
        elif key == "not_codes":
            present = [c for c in wanted if c in observed.get("codes", [])]
            if present:
                problems.append(f"expected no {present}, got {observed.get('codes')}")
        elif key in ("retry_after", "reputation"):
            if not _in_range(got, wanted):
                problems.append(f"expected {key} {wanted}, got {got}")
        elif key not in observed:
            problems.append(f"unknown expectation {key!r}")
        elif got != wanted:
            detail = f" ({observed.get('code')})" if key == "outcome" and observed.get("code") else ""
            problems.append(f"expected {key} {wanted!r}, got {got!r}{detail}")
    return problems


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
                 counters: str | None = None) -> ScenarioResult:
    with ExitStack() as stack:
        if is_server_db(db):
            scenario_db = stack.enter_context(temporary_db(db))
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
