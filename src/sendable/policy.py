"""The policy: shipped defaults, TOML loading, validation that names the key."""

from __future__ import annotations

import copy
import hashlib
import json
import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import semver
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from sendable.durations import RateLimit, parse_duration, parse_rate


class PolicyError(ValueError):
    """A policy that cannot be used; the message names the key."""


def _duration(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("must be a duration like 30s, 5m, 2h or 7d")
    if isinstance(value, int | float):
        return float(value)
    return parse_duration(value)


def _rate(value: Any) -> RateLimit:
    if isinstance(value, RateLimit):
        return value
    return parse_rate(value)


def _version(value: Any) -> str:
    semver.Version.parse(str(value))
    return str(value)


def _ladder_step(value: Any) -> str:
    text = str(value).strip().lower()
    if text not in ("warning", "permanent"):
        parse_duration(text)
    return text


Duration = Annotated[float, BeforeValidator(_duration)]
Rate = Annotated[RateLimit, BeforeValidator(_rate)]
Version = Annotated[str, BeforeValidator(_version)]
LadderStep = Annotated[str, BeforeValidator(_ladder_step)]
Action = Literal["block", "hold", "allow"]
# A threshold: a number, or "auto" (chosen from the learned model's cross-validated
# scores for the section's target_fpr).
AutoThreshold = Annotated[float, Field(ge=0)] | Literal["auto"]
TargetFpr = Annotated[float, Field(gt=0, lt=1)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Clients(_Section):
    min_version: Version


class Age(_Section):
    min_messaging_age: int = Field(ge=0, le=120)
    adult_age: int = Field(ge=0, le=120)


class NewAccounts(_Section):
    days: float = Field(ge=0)
    max_new_conversations_per_day: int = Field(ge=0)
    max_groups_per_day: int = Field(ge=0)


class Requests(_Section):
    max_unanswered: int = Field(ge=1)


class RateLimits(_Section):
    messages: tuple[Rate, ...]
    new_conversations: tuple[Rate, ...]
    group_messages: tuple[Rate, ...]


class Spam(_Section):
    max_links: int = Field(ge=0)
    blocked_domains: tuple[str, ...]
    blocked_terms: tuple[str, ...]
    content_threshold: Annotated[float, Field(gt=0)] | Literal["auto"]
    duplicate_recipients: int = Field(ge=1)
    duplicate_window: Duration
    duplicate_similarity: float = Field(gt=0, le=1)
    fanout_per_hour: int = Field(ge=1)
    min_reputation: float = Field(ge=0, le=1)
    target_fpr: TargetFpr = 0.005

    @property
    def threshold_number(self) -> float | None:
        """content_threshold when it is a number (None: "auto", the learned model's)."""
        configured = self.content_threshold
        return None if configured == "auto" else float(configured)


class GuidelineActions(_Section):
    harassment: Action
    hate: Action
    violence: Action
    sexual: Action
    self_harm: Action
    illegal: Action
    misinformation: Action


class ExtraTerms(_Section):
    harassment: tuple[str, ...] = ()
    hate: tuple[str, ...] = ()
    violence: tuple[str, ...] = ()
    sexual: tuple[str, ...] = ()
    self_harm: tuple[str, ...] = ()
    illegal: tuple[str, ...] = ()
    misinformation: tuple[str, ...] = ()


class Guidelines(_Section):
    offensive_threshold: float = Field(ge=0)
    extra_terms: ExtraTerms
    actions: GuidelineActions
    target_fpr: TargetFpr = 0.03
    model_threshold: AutoThreshold = "auto"
    veto_threshold: AutoThreshold = "auto"


class Enforcement(_Section):
    strike_expiry_days: float = Field(gt=0)
    ladder: tuple[LadderStep, ...] = Field(min_length=1)
    ban_scope: Literal["messaging", "account"]


class Flags(_Section):
    reports_to_flag: int = Field(ge=1)
    report_window: Duration


class Groups(_Section):
    max_members: int = Field(ge=2, le=10_000)  # the creator included
    max_created_per_day: int = Field(ge=0)
    max_forwards: int = Field(ge=0)  # chats one account may forward one message to
def _region(value: Any) -> str:
    import phonenumbers

    text = str(value).strip().upper()
    if text not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"{value!r} is not a region code like US, GB or DE")
    return text


Region = Annotated[str, BeforeValidator(_region)]


class Contacts(_Section):
    """Finding people: contact uploads and people search."""

    max_entries: int = Field(ge=1, le=100_000)  # emails + phones in one upload
    default_region: Region  # for phone numbers written without +country
    search_limits: tuple[Rate, ...]  # people searches per account (each page counts)
    match_limits: tuple[Rate, ...]  # contact uploads and match lists per account


class AuthLimits(_Section):
    """Sign-up and sign-in throttles (shell/throttle.py)."""

    signups_per_address: tuple[Rate, ...]  # sign-up attempts per source address
    logins_per_address: tuple[Rate, ...]  # sign-in attempts per source address
    logins_per_account: tuple[Rate, ...]  # successful sign-ins per account
    free_failures: int = Field(ge=0, le=1000)  # wrong passwords before delays start
    first_delay: Duration  # the first wait; each further wrong password doubles it
    max_delay: Duration  # the longest wait a run of wrong passwords earns


class Audit(_Section):
    """The attempt log (shell/attempt_log.py): how much of it is kept, and for how long."""

    attempt_retention: Duration = 30 * 86400.0  # then the text is dropped, the facts kept
    attempt_sample: float = Field(default=1.0, ge=0, le=1)  # share of senders logged
    attempt_max_age: Duration = 90 * 86400.0  # then the whole record is pruned


class Policy(_Section):
    clients: Clients
    age: Age
    new_accounts: NewAccounts
    requests: Requests
    rate_limits: RateLimits
    spam: Spam
    guidelines: Guidelines
    enforcement: Enforcement
    flags: Flags
    groups: Groups
    contacts: Contacts
    auth: AuthLimits
    audit: Audit = Audit()

    def digest(self) -> str:
        """A short, stable fingerprint of the policy in force."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def default_policy_data() -> dict[str, Any]:
    text = resources.files("sendable").joinpath("policy_defaults.toml").read_text()
    return tomllib.loads(text)


def _merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Overrides laid over the base, table by table; unknown keys stay for pydantic to name."""
    merged = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _describe(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        key = ".".join(str(p) for p in item["loc"])
        if item["type"] == "extra_forbidden":
            lines.append(f"{key}: unknown key")
        else:
            lines.append(f"{key}: {item['msg']}")
    return "; ".join(lines)


def build_policy(overrides: dict[str, Any] | None = None) -> Policy:
    """The defaults with `overrides` (same shape as the TOML) laid over them."""
    if overrides is not None and not isinstance(overrides, dict):
        raise PolicyError("policy: must be a table of sections")
    data = _merge(default_policy_data(), overrides or {})
    try:
        return Policy.model_validate(data)
    except ValidationError as error:
        raise PolicyError(_describe(error)) from None


def load_policy(path: str | Path | None) -> Policy:
    """The policy in a TOML file, or the defaults when no file is named."""
    if path is None:
        return build_policy()
    try:
        data = tomllib.loads(Path(path).read_text())
    except OSError as error:
        raise PolicyError(f"{path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(f"{path}: not valid TOML: {error}") from None
    return build_policy(data)
