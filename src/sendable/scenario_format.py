"""The shape of a scenario file, checked before anything runs.

`docs/scenarios.md` documents every key named here, and a test holds the two
together. A file that does not have this shape is reported as one failure per
problem, naming the file, the scenario, the step and the key, never with a
traceback: `FAIL f.yaml :: name :: step 3 (send): send.to: missing`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

# Top-level keys of a scenario.
SCENARIO_KEYS: dict[str, str] = {
    "name": "text", "description": "text", "now": "time", "policy": "mapping",
    "accounts": "list", "follows": "pairs", "blocks": "pairs", "steps": "list",
}
ACCOUNT_KEYS: dict[str, str] = {
    "handle": "text", "created": "age", "verified": "bool", "birthdate": "date or none",
    "who_can_message": "text", "private": "bool", "role": "text", "group_invites": "text",
    "discoverable": "bool", "sync_contacts": "bool", "contacts": "list", "display_name": "text",
    "age": "years",
}
# Keys every step may carry besides its kind.
STEP_COMMON_KEYS: dict[str, str] = {"expect": "mapping", "repeat": "count"}


@dataclass(frozen=True)
class StepShape:
    """What a step's value is: a mapping with these keys (required ones marked), a
    [a, b] pair or a duration."""

    form: str  # "mapping", "pair" or "duration"
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    expect: tuple[str, ...] = ()  # the expectation keys its result can be checked with
    one_of: tuple[str, ...] = ()  # one of these is required
    lists: tuple[str, ...] = ()   # keys whose value is a list of handles or texts

    @property
    def keys(self) -> tuple[str, ...]:
        """The keys this runner reads (documented in docs/scenarios.md)."""
        return tuple(dict.fromkeys((*self.required, *self.one_of, *self.optional,
                                    *self.lists)))


# `expect` keys for a send attempt (send, why).
ATTEMPT_EXPECT_KEYS = ("outcome", "code", "codes", "not_codes", "sendable", "retry_after",
                       "appealable")
# `expect` keys for `status`.
STATUS_EXPECT_KEYS = ("banned", "ban_scope", "ban_until", "strikes", "flagged", "verified",
                      "reputation", "reputation_band")
_ATTEMPT = ("text", "client")

# `expect` keys for putting people in a group (group, add).
INVITE_EXPECT_KEYS = ("added", "invited", "pending_approval", "refused", "outcome", "code",
                      "codes", "retry_after")
# `expect` keys for one person's entry (join, link_join).
ENTRY_EXPECT_KEYS = ("outcome", "code", "codes", "sendable")

STEPS: dict[str, StepShape] = {
    "send": StepShape("mapping", ("from",), (*_ATTEMPT, "client_msg_id", "audience", "as"),
                      ATTEMPT_EXPECT_KEYS, one_of=("to", "group")),
    "why": StepShape("mapping", ("from",), (*_ATTEMPT, "audience", "invite"),
                     ATTEMPT_EXPECT_KEYS, one_of=("to", "group")),
    "advance": StepShape("duration"),
    "follow": StepShape("pair"),
    "unfollow": StepShape("pair"),
    "block": StepShape("pair"),
    "unblock": StepShape("pair"),
    "approve": StepShape("mapping", ("by",), ("member",), one_of=("follower", "group")),
    "settings": StepShape("mapping", ("handle",), ("who_can_message", "private",
                                                   "group_invites", "discoverable",
                                                   "sync_contacts", "display_name")),
    "accept": StepShape("mapping", ("by", "from")),
    "decline": StepShape("mapping", ("by",), one_of=("from", "group")),
    "report": StepShape("mapping", ("by",), ("of", "message", "reason")),
    "verify": StepShape("mapping", ("handle",)),
    "moderate": StepShape("mapping", ("action",), ("handle", "by", "for", "scope", "reason",
                                                   "category", "note", "message", "group")),
    "appeal": StepShape("mapping", ("by", "target"), ("statement",)),
    "decide": StepShape("mapping", ("decision",), ("appeal", "by", "note")),
    "status": StepShape("mapping", ("handle",), (), STATUS_EXPECT_KEYS),
    "search": StepShape("mapping", ("by",), ("q", "limit"), ("handles", "not_handles")),
    "group": StepShape("mapping", ("by",), ("name", "as"), INVITE_EXPECT_KEYS,
                       lists=("members",)),
    "add": StepShape("mapping", ("by", "group"), (), INVITE_EXPECT_KEYS, lists=("members",)),
    "join": StepShape("mapping", ("by", "group"), (), ENTRY_EXPECT_KEYS),
    "link_join": StepShape("mapping", ("by", "group"), (), ENTRY_EXPECT_KEYS),
    "leave": StepShape("mapping", ("by", "group")),
    "mute": StepShape("mapping", ("by", "group"), ("muted",)),
    "forward": StepShape("mapping", ("by",), ("message", "client_msg_id", "audience", "as"),
                         ATTEMPT_EXPECT_KEYS, one_of=("to", "group")),
    "sees": StepShape("mapping", ("handle", "group"), lists=("texts", "not_texts")),
}
MODERATE_ACTIONS = ("ban", "unban", "strike", "flag", "unflag", "release", "close_group",
                    "reopen_group")
_GROUP_ACTIONS = ("close_group", "reopen_group")
# Expectation values that are a range: a number, null, or {min, max}.
_RANGES = ("retry_after", "reputation")
_LISTS = ("codes", "not_codes")


@dataclass(frozen=True)
class Problem:
    scenario: str
    step: int  # 0: not in a step
    kind: str
    message: str


def _kind_of(value: Any) -> str:
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, str):
        return f"the text {value!r}" if len(value) < 40 else "a text"
    if value is None:
        return "empty"
    return f"{type(value).__name__} {value!r}"


def _is(form: str, value: Any) -> bool:
    if form in ("mapping",):
        return isinstance(value, Mapping)
    if form in ("list", "pairs"):
        return isinstance(value, list)
    if form == "text":
        return isinstance(value, str | int | float) and not isinstance(value, bool)
    if form == "bool":
        return isinstance(value, bool)
    if form == "count":
        return isinstance(value, int) and not isinstance(value, bool) and value >= 1
    if form == "years":
        return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 150
    if form == "date or none":  # null: an account that never gave its date of birth
        return value is None or _is("date", value)
    if form in ("time", "date", "age"):
        return isinstance(value, str | date | datetime | int | float) \
            and not isinstance(value, bool)
    return True


_WANTS = {"mapping": "a mapping {key: value}", "list": "a list (- item)",
          "pairs": "a list of [a, b] pairs", "text": "a text", "bool": "true or false",
          "count": "a whole number of at least 1", "time": "an ISO time",
          "date": "a date like 2000-01-31", "age": "an age like 2d or an ISO time",
          "date or none": "a date like 2000-01-31 (or null: never given)",
          "years": "a whole number of years, like 15"}


def _wrong(where: str, form: str, value: Any) -> str:
    return f"{where}: must be {_WANTS.get(form, form)}, not {_kind_of(value)}"


def _pair_problem(where: str, value: Any) -> str | None:
    if not isinstance(value, list | tuple) or len(value) != 2:
        return f"{where}: must be a pair [a, b], not {_kind_of(value)}"
    if not all(_is("text", v) for v in value):
        return f"{where}: both sides of the pair must be handles"
    return None


def check(spec: Any, step_kinds: tuple[str, ...]) -> list[Problem]:
    """Every problem with one scenario's shape (an empty list: it can run)."""
    if not isinstance(spec, Mapping):
        return [Problem("(file)", 0, "load", f"a scenario must be a mapping, not "
                                             f"{_kind_of(spec)}")]
    name = str(spec.get("name", "(unnamed)"))
    problems: list[Problem] = []

    def top(message: str) -> None:
        problems.append(Problem(name, 0, "setup", message))

    for key, value in spec.items():
        form = SCENARIO_KEYS.get(str(key))
        if form is None:
            top(f"unknown key {key!r} (known: {', '.join(SCENARIO_KEYS)})")
        elif value is not None and not _is(form, value):
            top(_wrong(str(key), form, value))
    accounts = spec.get("accounts")
    for i, account in enumerate(accounts if isinstance(accounts, list) else [], start=1):
        where = f"accounts[{i}]"
        if not isinstance(account, Mapping):
            top(_wrong(where, "mapping", account) + " (like {handle: alice})")
            continue
        if "handle" not in account:
            top(f"{where}.handle: missing")
        for key, value in account.items():
            form = ACCOUNT_KEYS.get(str(key))
            if form is None:
                top(f"{where}: unknown key {key!r} (known: {', '.join(ACCOUNT_KEYS)})")
            elif not _is(form, value):
                top(_wrong(f"{where}.{key}", form, value))
    for key in ("follows", "blocks"):
        pairs = spec.get(key)
        for i, pair in enumerate(pairs if isinstance(pairs, list) else [], start=1):
            problem = _pair_problem(f"{key}[{i}]", pair)
            if problem:
                top(problem)
    steps = spec.get("steps")
    for number, step in enumerate(steps if isinstance(steps, list) else [], start=1):
        problems += [Problem(name, number, kind, message)
                     for kind, message in _step_problems(step, step_kinds)]
    return problems


def _step_problems(step: Any, step_kinds: tuple[str, ...]) -> list[tuple[str, str]]:
    if not isinstance(step, Mapping):
        return [("?", f"a step must be a mapping like {{send: {{from: a, to: b}}}}, not "
                      f"{_kind_of(step)}")]
    kinds = [k for k in step if k in step_kinds]
    unknown = [k for k in step if k not in step_kinds and k not in STEP_COMMON_KEYS]
    if unknown or len(kinds) != 1:
        kind = kinds[0] if len(kinds) == 1 else "?"
        said = f"unknown key {unknown[0]!r}; " if unknown else ""
        return [(kind, f"{said}a step needs exactly one of {', '.join(step_kinds)}"
                       f" (and may add {', '.join(STEP_COMMON_KEYS)})")]
    kind = kinds[0]
    out: list[str] = []
    for key, form in STEP_COMMON_KEYS.items():
        if key in step and not _is(form, step[key]):
            out.append(_wrong(key, form, step[key]))
    shape = STEPS.get(kind)
    if shape is not None:  # a kind added elsewhere without a shape here: checked as it runs
        out += _value_problems(kind, shape, step[kind])
        expect = step.get("expect")
        if isinstance(expect, Mapping):
            out += _expect_problems(kind, shape, expect)
    return [(kind, message) for message in out]


def _value_problems(kind: str, shape: StepShape, value: Any) -> list[str]:
    if shape.form == "duration":
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            return [f"{kind}: must be a duration like 25h, not {_kind_of(value)}"]
        from sendable.durations import parse_duration

        try:
            parse_duration(str(value))
        except ValueError as error:
            return [f"{kind}: {error}"]
        return []
    if shape.form == "pair":
        problem = _pair_problem(kind, value)
        return [problem] if problem else []
    if not isinstance(value, Mapping):
        example = ", ".join(f"{k}: …" for k in shape.required) or "…"
        return [f"{kind}: must be a mapping like {{{example}}}, not {_kind_of(value)}"]
    out = [f"{kind}.{key}: missing" for key in shape.required if key not in value]
    if shape.one_of and not any(key in value for key in shape.one_of):
        out.append(f"{kind}.{shape.one_of[0]}: missing")
    out += [f"{kind}: unknown key {key!r} (known: {', '.join(shape.keys)})"
            for key in value if key not in shape.keys]
    for key, item in value.items():
        if key in shape.lists:
            if item is not None and not isinstance(item, list):
                out.append(f"{kind}.{key}: must be a list, not {_kind_of(item)}")
        elif isinstance(item, Mapping | list) and key in shape.keys:
            out.append(f"{kind}.{key}: must be a single value, not {_kind_of(item)}")
    if kind == "moderate" and isinstance(value.get("action"), str):
        action = value["action"]
        if action not in MODERATE_ACTIONS:
            out.append(f"moderate.action: {action!r} is not one of "
                       f"{', '.join(MODERATE_ACTIONS)}")
        elif action in _GROUP_ACTIONS:
            if "group" not in value:
                out.append("moderate.group: missing")
        elif action != "release" and "handle" not in value:
            out.append("moderate.handle: missing")
    return out


def _expect_problems(kind: str, shape: StepShape, expect: Mapping[Any, Any]) -> list[str]:
    out = []
    for key, wanted in expect.items():
        if shape.expect and key not in shape.expect and kind != "status":
            out.append(f"expect: unknown key {key!r} for a {kind} step (known: "
                       f"{', '.join(shape.expect)})")
        elif not shape.expect:
            out.append(f"expect: a {kind} step has nothing to check")
            break
        elif key in _LISTS and not isinstance(wanted, list):
            out.append(f"expect.{key}: must be a list of codes, not {_kind_of(wanted)}")
        elif key in _RANGES and not (
                wanted is None or isinstance(wanted, Mapping)
                or (isinstance(wanted, int | float) and not isinstance(wanted, bool))):
            out.append(f"expect.{key}: must be a number, null or {{min, max}}, not "
                       f"{_kind_of(wanted)}")
        elif key in _RANGES and isinstance(wanted, Mapping) and set(wanted) - {"min", "max"}:
            out.append(f"expect.{key}: only min and max, not {sorted(set(wanted) - {'min', 'max'})}")
    return out
