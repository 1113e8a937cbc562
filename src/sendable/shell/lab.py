"""The policy lab's room: the policy history, backtests over the attempt log, shadow
mode, and promoting or reverting the live policy (each one audited action).

Backtests read the log a page at a time and hand it to the pure replay
(lab/replay.py), which re-decides each attempt with the gate's own `decide`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sendable.clock import to_iso
from sendable.errors import Invalid, NotFound
from sendable.lab.replay import Redecided, Replay
from sendable.lab.report import Report
from sendable.policy import Policy, PolicyError, build_policy
from sendable.shell.attempt_log import AttemptLog, Shadow, text_keys
from sendable.shell.content import ContentAnalyser
from sendable.shell.context import Shell, moderator_id
from sendable.store import attempts as db_attempts
from sendable.store import moderation as db_audit
from sendable.store import policies as db_policies

OPERATOR = "operator"


def policy_data(policy: Policy) -> dict[str, Any]:
    """The policy as the data a policy file holds (rates written as text), so that
    build_policy gives it back with the same digest."""
    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            if set(value) == {"limit", "window", "text"}:
                return value["text"]
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value
    return plain(policy.model_dump(mode="json"))


def policy_from_data(data: str) -> Policy:
    return build_policy(json.loads(data))


class Lab:
    def __init__(self, shell: Shell, log: AttemptLog) -> None:
        self.shell = shell
        self.log = log
        self._policies: dict[str, Policy | None] = {}

    # -- the live policy and its history -----------------------------------------------

    def record_live(self, by: str = OPERATOR, action: str = "start") -> None:
        """Keep the live policy in the history unless it is the one kept last."""
        policy = self.shell.policy
        with self.shell.unit.write() as conn:
            latest = db_policies.latest(conn)
            if latest is None or latest["digest"] != policy.digest():
                db_policies.record(conn, policy.digest(), json.dumps(policy_data(policy)),
                                   self.shell.now(), by, action)
        self._policies[policy.digest()] = policy

    def policy_of(self, digest: str) -> Policy | None:
        """A policy that was live, by its digest (None: never kept)."""
        if digest not in self._policies:
            with self.shell.unit.read() as conn:
                row = db_policies.by_digest(conn, digest)
            self._policies[digest] = policy_from_data(row["data"]) if row else None
        return self._policies[digest]

    def history(self, limit: int = 50) -> list[dict[str, Any]]:
        with self.shell.unit.read() as conn:
            rows = db_policies.history(conn, limit)
        live = self.shell.policy.digest()
        return [{"digest": r["digest"], "set_by": r["set_by"], "set_at": to_iso(r["set_at"]),
                 "action": r["action"], "live": i == 0 and r["digest"] == live}
                for i, r in enumerate(rows)]

    def _set_live(self, policy: Policy) -> None:
        """The policy in force from now on, and the text layer it reads text with."""
        shell = self.shell
        analyser = ContentAnalyser(policy, detectors=shell.analyser.detectors)
        shell.analyser = analyser
        shell.models.analyser = analyser
        shell.policy = policy

    def promote(self, policy: Policy | None = None, by: str | None = None) -> dict[str, Any]:
        """Make `policy` (default: the shadow policy) live: one audited action; the
        previous policy stays in the history for `revert`."""
        if policy is None:
            if self.log.shadow is None:
                raise NotFound("no shadow policy to promote", "policy")
            policy = self.log.shadow.policy
        return self._change(policy, by, "promote")

    def revert(self, by: str | None = None) -> dict[str, Any]:
        """Put back the policy that was live before the current one: one audited action."""
        with self.shell.unit.read() as conn:
            rows = db_policies.history(conn, 200)
        live = self.shell.policy.digest()
        previous = next((r for r in rows if r["digest"] != live), None)
        if previous is None:
            raise NotFound("no earlier policy to revert to", "policy")
        return self._change(policy_from_data(previous["data"]), by, "revert")

    def _change(self, policy: Policy, by: str | None, action: str) -> dict[str, Any]:
        shell = self.shell
        before = shell.policy.digest()
        with shell.unit.write() as conn:
            actor = moderator_id(conn, by)
            now = shell.now()
            db_policies.record(conn, policy.digest(), json.dumps(policy_data(policy)), now,
                               by or OPERATOR, action)
            db_audit.audit(conn, now, f"policy_{action}", None, actor,
                           digest=policy.digest(), previous=before)
        self._policies[policy.digest()] = policy
        self._set_live(policy)
        if action == "promote":
            self.log.shadow = None
        return {"action": action, "digest": policy.digest(), "previous": before}

    # -- shadow mode ---------------------------------------------------------------------

    def start_shadow(self, policy: Policy, by: str | None = None,
                     source: str = "") -> dict[str, Any]:
        """Decide every live attempt under `policy` too, with no effect on anyone."""
        shell = self.shell
        analyser = (ContentAnalyser(policy, detectors=shell.analyser.detectors)
                    if text_keys(policy) != text_keys(shell.policy) else None)
        with shell.unit.write() as conn:
            actor = moderator_id(conn, by)
            db_audit.audit(conn, shell.now(), "shadow_start", None, actor,
                           digest=policy.digest(), source=source)
        self._policies.setdefault(policy.digest(), policy)
        self.log.shadow = Shadow(policy, analyser, shell.now(), source)
        return self.shadow_state()

    def stop_shadow(self, by: str | None = None) -> None:
        shell = self.shell
        with shell.unit.write() as conn:
            db_audit.audit(conn, shell.now(), "shadow_stop", None, moderator_id(conn, by))
        self.log.shadow = None

    def shadow_state(self) -> dict[str, Any] | None:
        shadow = self.log.shadow
        if shadow is None:
            return None
        with shadow.lock:
            diffs = [{"from": a, "to": b, "code": c, "count": n}
                     for (a, b, c), n in sorted(shadow.diffs.items())]
            examples = list(shadow.examples)
        return {"digest": shadow.policy.digest(), "source": shadow.source,
                "since": to_iso(shadow.since), "decided": shadow.decided,
                "differences": sum(d["count"] for d in diffs), "diffs": diffs,
                "examples": [{**e, "at": to_iso(e["at"])} for e in examples]}

    # -- backtests -----------------------------------------------------------------------

    def redecide(self, candidate: Policy, since: float, until: float,
                 against: str | None = None) -> Iterator[Redecided]:
        """Every logged attempt of [since, until) re-decided under `candidate` (and
        under the policy with digest `against`, when named), in log order."""
        baseline = None
        if against is not None:
            baseline = self.policy_of(against)
            if baseline is None:
                raise NotFound(f"no policy with digest {against} was ever live", "against")
        model = self.shell.analyser.detectors
        read = ContentAnalyser(candidate, detectors=model)
        read_base = ContentAnalyser(baseline, detectors=model) if baseline else None
        replay = Replay(candidate, self.policy_of, lambda t, fp: read.analyse(t, fp),
                        baseline, (lambda t, fp: read_base.analyse(t, fp)) if read_base
                        else None)
        with self.shell.unit.read() as conn:
            span = db_attempts.id_range(conn, since - replay.warmup, until)
            if span is None:
                return
            for page in db_attempts.pages(conn, *span):
                yield from replay.run(page, since)

    def backtest(self, candidate: Policy, since: float, until: float,
                 against: str | None = None, name: str = "candidate") -> dict[str, Any]:
        if until <= since:
            raise Invalid("--until must be after --since", "until")
        with self.shell.unit.read() as conn:
            labels = db_attempts.labels(conn, since)
        report = Report(f"{name} ({candidate.digest()})",
                        against or "the logged decisions", since, until, labels)
        for result in self.redecide(candidate, since, until, against):
            if result.row[1] < until:
                report.add(result)
        return report.as_dict()

    def log_size(self) -> dict[str, int]:
        with self.shell.unit.read() as conn:
            records, with_text = db_attempts.count(conn)
        return {"records": records, "with_text": with_text}


def parse_candidate(text: str) -> Policy:
    """A candidate policy from TOML text (an upload); Invalid naming the key otherwise."""
    import tomllib

    try:
        return build_policy(tomllib.loads(text))
    except tomllib.TOMLDecodeError as error:
        raise Invalid(f"not valid TOML: {error}", "policy") from None
    except PolicyError as error:
        raise Invalid(str(error), "policy") from None
