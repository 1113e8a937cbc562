"""The scenario runner's group steps: making groups, putting people in, joining,
sending and forwarding, what a member sees, and moderators closing a group.

A group is named by the `as` of the step that made it; a stored message by the `as`
of its `send` (or `last`). Mixed into the runner (scenario.py), whose service, clock
and handles these steps use.
"""

from __future__ import annotations

from typing import Any

from sendable.reasons import INVITE_MASKS, for_audience
from sendable.shell.groups import InviteResult
from sendable.shell.sending import SendResult

GROUP_STEP_KINDS = ("group", "add", "join", "link_join", "leave", "forward", "sees", "mute")
# Expectation keys whose lists are compared as sets: who got which answer.
INVITE_KEYS = ("added", "invited", "pending_approval")


class ScenarioStepError(Exception):
    """A step that cannot run as written (an unknown group or message name)."""


def invite_observed(results: list[InviteResult]) -> dict[str, Any]:
    """Who got which answer, as a `group` or `add` step's expectations name them: the
    adder's view (a block or an age shows as privacy.group_invites)."""
    observed: dict[str, Any] = {key: [] for key in INVITE_KEYS}
    observed["refused"] = {}
    for result in results:
        if result.outcome == "refused":
            shown = for_audience(result.findings, "sender", INVITE_MASKS)
            observed["refused"][result.handle] = shown[0].code if shown else None
        else:
            observed[result.outcome].append(result.handle)
    return observed


def one_result_observed(result: InviteResult, audience: str = "sender") -> dict[str, Any]:
    shown = for_audience(result.findings, audience, INVITE_MASKS)
    return {"outcome": result.outcome, "sendable": result.outcome != "refused",
            "code": shown[0].code if shown else None, "codes": [f.code for f in shown]}


class GroupSteps:
    """Steps for groups; `self` is the scenario run (scenario._Run)."""

    service: Any
    groups_named: dict[str, int]
    messages_named: dict[str, str]
    last_stored: str | None

    def ensure(self, handle: Any, **settings: Any) -> str:  # pragma: no cover - the runner's
        raise NotImplementedError

    def group_id(self, name: Any) -> int:
        if isinstance(name, int) and not isinstance(name, bool):
            return name
        try:
            return self.groups_named[str(name)]
        except KeyError:
            raise ScenarioStepError(f"no group named {name!r}") from None

    def message_ref(self, name: Any) -> str:
        if name == "last":
            if self.last_stored is None:
                raise ScenarioStepError("no stored message yet")
            return self.last_stored
        try:
            return self.messages_named[str(name)]
        except KeyError:
            raise ScenarioStepError(f"no message named {name!r}") from None

    def remember(self, result: SendResult, name: Any, kind: str) -> None:
        """Name a stored message for later steps (`as`), and as the last one."""
        if result.message is None:
            return
        ref = f"{kind}:{result.message['id']}"
        self.last_stored = ref
        if name is not None:
            self.messages_named[str(name)] = ref

    def step_group(self, args: dict[str, Any]) -> dict[str, Any]:
        by = self.ensure(args["by"])
        members = [self.ensure(m) for m in args.get("members") or []]
        created = self.service.groups.create(by, str(args.get("name", "group")), members)
        if created.group is None:
            shown = for_audience(created.findings, "sender")
            return {"outcome": "refused", "code": shown[0].code if shown else None,
                    "codes": [f.code for f in shown],
                    "retry_after": shown[0].retry_after if shown else None,
                    **invite_observed([])}
        self.groups_named[str(args.get("as", args.get("name", "group")))] = created.group["id"]
        return {"outcome": "created", "code": None, "codes": [],
                **invite_observed(created.results)}

    def step_add(self, args: dict[str, Any]) -> dict[str, Any]:
        members = [self.ensure(m) for m in args.get("members") or []]
        results = self.service.groups.add(self.ensure(args["by"]), self.group_id(args["group"]),
                                          members)
        return invite_observed(results)

    def step_join(self, args: dict[str, Any]) -> dict[str, Any]:
        state = self.service.groups.join(self.ensure(args["by"]), self.group_id(args["group"]))
        return {"outcome": "added" if state == "member" else state}

    def step_link_join(self, args: dict[str, Any]) -> dict[str, Any]:
        result = self.service.groups.link_join(self.ensure(args["by"]),
                                               group_id=self.group_id(args["group"]))
        return one_result_observed(result)

    def step_leave(self, args: dict[str, Any]) -> None:
        self.service.groups.leave(self.ensure(args["by"]), self.group_id(args["group"]))

    def step_mute(self, args: dict[str, Any]) -> None:
        self.service.groups.mute(self.ensure(args["by"]), self.group_id(args["group"]),
                                 bool(args.get("muted", True)))

    def group_approve(self, args: dict[str, Any]) -> None:
        self.service.groups.approve(self.ensure(args["by"]), self.group_id(args["group"]),
                                    self.ensure(args["member"]))

    def group_decline(self, args: dict[str, Any]) -> None:
        self.service.groups.decline(self.ensure(args["by"]), self.group_id(args["group"]))

    def group_send(self, args: dict[str, Any]) -> SendResult:
        result = self.service.group_chat.send(self.ensure(args["from"]),
                                          self.group_id(args["group"]),
                                          str(args.get("text", "")), args.get("client"),
                                          args.get("client_msg_id"))
        self.remember(result, args.get("as"), "group")
        return result

    def observed(self, outcome: str, findings: Any, audience: str) -> dict[str, Any]:
        raise NotImplementedError  # pragma: no cover - the runner's

    def step_forward(self, args: dict[str, Any]) -> dict[str, Any]:
        to = self.ensure(args["to"]) if "to" in args else None
        group = self.group_id(args["group"]) if "group" in args else None
        result = self.service.group_chat.forward(self.ensure(args["by"]),
                                             self.message_ref(args.get("message", "last")),
                                             to=to, group=group,
                                             client_msg_id=args.get("client_msg_id"))
        self.remember(result, args.get("as"), "group" if group is not None else "dm")
        return self.observed(result.outcome, result.decision.findings,
                             args.get("audience", "sender"))

    def group_why(self, args: dict[str, Any]) -> tuple[str, tuple[Any, ...], Any]:
        """(outcome, findings, masks) of a dry run toward a group: a send, or an invite."""
        sender, group = self.ensure(args["from"]), self.group_id(args["group"])
        if "invite" in args:
            decision = self.service.groups.why_invite(sender, group, self.ensure(args["invite"]))
            return decision.outcome, decision.findings, INVITE_MASKS
        decision = self.service.sending.why_group(sender, group, str(args.get("text", "")),
                                                  args.get("client"))
        return decision.outcome, decision.findings, None

    def step_sees(self, args: dict[str, Any]) -> dict[str, Any]:
        """What a member reads in the group: `texts` all there, `not_texts` none."""
        texts = [m["text"] for m in self.service.group_chat.history(
            self.ensure(args["handle"]), self.group_id(args["group"]))]
        missing = [t for t in args.get("texts") or [] if t not in texts]
        present = [t for t in args.get("not_texts") or [] if t in texts]
        if missing or present:
            raise ScenarioStepError(f"sees {texts}: missing {missing}, should not see {present}")
        return {"texts": texts}

    def moderate_group(self, action: str, args: dict[str, Any], actor: str | None) -> None:
        self.service.group_moderation.set_closed(self.group_id(args["group"]), action == "close_group",
                                       actor, args.get("reason"))
