"""Groups as people use them: making one, putting people in it, joining, leaving,
the owner's powers, what a member reads, forwarding, and moderators closing one.

Every way of putting someone in a group runs the invite checks (gate/invites.py),
and each person gets one answer. Messages to a group go through the one send path
(shell/sending.py); this room only names the group.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from sendable.clock import to_iso
from sendable.errors import Conflict, Forbidden, Invalid, NotFound
from sendable.gate.invites import (
    GroupPlace,
    InviteDecision,
    InviteFacts,
    creation_findings,
    decide_invite,
    is_teen,
)
from sendable.reasons import Finding
from sendable.shell import facts as loading
from sendable.shell.context import Shell, find_account
from sendable.shell.group_sends import is_member
from sendable.store import accounts as db_accounts
from sendable.store import enforcement as db_enforcement
from sendable.store import events as db_events
from sendable.store import groups as db_groups
from sendable.store import messages as db_messages
from sendable.store.driver import Conn, dump_json

_DAY = 86400.0
MAX_NAME = 64


@dataclass(frozen=True)
class InviteResult:
    handle: str
    outcome: str  # added | invited | pending_approval | refused
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class GroupCreated:
    group: dict[str, Any] | None  # None: refused as a whole, nothing made
    results: list[InviteResult] = field(default_factory=list)
    findings: tuple[Finding, ...] = ()  # why it was refused as a whole


def check_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > MAX_NAME:
        raise Invalid(f"a group name is 1-{MAX_NAME} characters", "name")
    return name.strip()


class Groups:
    def __init__(self, shell: Shell) -> None:
        self.shell = shell

    # -- reading ---------------------------------------------------------------------

    def _group(self, conn: Conn, group_id: Any) -> dict[str, Any]:
        row = (db_groups.group_by_id(conn, group_id)
               if isinstance(group_id, int) and not isinstance(group_id, bool) else None)
        if row is None:
            raise NotFound(f"no group {group_id}", "group")
        return dict(row)

    def _member_group(self, conn: Conn, group_id: Any, account: dict[str, Any]) -> dict:
        """The group, for one of its members or pending entries; to anyone else it does
        not exist (the same answer as a group that was never made)."""
        group = self._group(conn, group_id) if isinstance(group_id, int) else None
        if group is None or db_groups.entry(conn, group["id"], account["id"]) is None:
            raise NotFound(f"no group {group_id}", "group")
        return group

    def group_json(self, conn: Conn, group: dict[str, Any]) -> dict[str, Any]:
        handles = {}
        rows = db_groups.entries(conn, group["id"])
        for e in rows:
            handles[e["account_id"]] = db_accounts_handle(conn, e["account_id"])
        return {"id": group["id"], "name": group["name"],
                "owner": handles.get(group["owner_id"]) or db_accounts_handle(
                    conn, group["owner_id"]),
                "closed": group["closed_at"] is not None,
                "members": [handles[e["account_id"]] for e in rows if is_member(e)],
                "pending": [{"handle": handles[e["account_id"]],
                             "state": "invited" if not e["accepted"] else "pending_approval",
                             "awaits_owner": not e["approved"]}
                            for e in rows if not is_member(e)],
                "created_at": to_iso(group["created_at"])}

    def get(self, viewer: str, group_id: int) -> dict[str, Any]:
        with self.shell.unit.read() as conn:
            me = find_account(conn, viewer)
            return self.group_json(conn, self._member_group(conn, group_id, me))

    def of(self, handle: str) -> list[dict[str, Any]]:
        """The groups an account is in or invited to, newest first."""
        with self.shell.unit.read() as conn:
            me = find_account(conn, handle)
            out = []
            for row in db_groups.groups_of(conn, me["id"]):
                entry = {"accepted": row["accepted"], "approved": row["approved"]}
                out.append({**self.group_json(conn, row), "kind": "group",
                            "muted": bool(row["muted"]),
                            "state": "member" if is_member(entry) else
                            ("invited" if not row["accepted"] else "pending_approval")})
            return out

    # -- putting people in ------------------------------------------------------------

    def _invite_facts(self, conn: Conn, group: dict[str, Any] | None, adder: dict[str, Any],
                      invitee: dict[str, Any], *, via_link: bool = False,
                      creating: bool = False, seats: int | None = None) -> InviteFacts:
        now, policy = self.shell.now(), self.shell.policy
        entries = db_groups.entries(conn, group["id"]) if group else []
        members = [e["account_id"] for e in entries if is_member(e)]
        mutuals = (db_groups.followers_among(conn, invitee["id"], members)
                   & db_groups.followed_by(conn, invitee["id"], members))
        owner_is_teen = False
        if group is not None:
            owner = db_accounts_row(conn, group["owner_id"])
            owner_is_teen = is_teen(loading.account_facts(owner), now, policy)
        place = GroupPlace(
            id=group["id"] if group else None,
            seats_taken=len(entries) if seats is None else seats,
            closed=bool(group and group["closed_at"] is not None),
            owner_is_teen=owner_is_teen,
            adder_is_owner=bool(group and group["owner_id"] == adder["id"]),
            adder_is_member=any(e["account_id"] == adder["id"] and is_member(e)
                                for e in entries),
            has_mutual_of_invitee=bool(mutuals - {invitee["id"]}))
        pair = db_messages.pair_state(conn, adder["id"], invitee["id"], now)
        return InviteFacts(
            now=now,
            adder=loading.account_facts(adder, db_enforcement.active_ban(conn, adder["id"], now)),
            invitee=loading.account_facts(invitee,
                                          db_enforcement.active_ban(conn, invitee["id"], now)),
            # `suggested` lets the invitee's contacts in, as it does for messages
            relation=loading.with_contact(conn, loading.relation_from(pair, invitee["id"]),
                                          invitee, adder["id"]), group=place,
            via_link=via_link, creating=creating)

    def _put(self, conn: Conn, group: dict[str, Any], adder: dict[str, Any],
             invitee: dict[str, Any], decision: InviteDecision, via_link: bool) -> None:
        now = self.shell.now()
        outcome = decision.outcome
        accepted = outcome == "added" or (outcome == "pending_approval" and via_link)
        db_groups.put_entry(conn, group["id"], invitee["id"], adder["id"], now,
                            accepted=accepted, approved=outcome != "pending_approval")
        db_events.add(conn, invitee["id"], now, "group", dump_json({
            "group_id": group["id"], "name": group["name"], "change": outcome,
            "by": adder["handle"]}))

    def _add_each(self, conn: Conn, group: dict[str, Any], adder: dict[str, Any],
                  handles: list[Any], creating: bool) -> list[InviteResult]:
        if not isinstance(handles, list) or len(handles) > self.shell.policy.groups.max_members:
            raise Invalid("members is a list of handles", "members")
        results: list[InviteResult] = []
        seen: set[int] = set()
        for handle in handles:
            invitee = find_account(conn, handle, "members")
            if invitee["id"] == adder["id"] or invitee["id"] in seen:
                continue
            seen.add(invitee["id"])
            if db_groups.entry(conn, group["id"], invitee["id"]) is not None:
                continue  # already in, or already pending: nothing new to say
            seats = len(db_groups.entries(conn, group["id"]))
            decision = decide_invite(self._invite_facts(
                conn, group, adder, invitee, creating=creating, seats=seats),
                self.shell.policy)
            if decision.outcome != "refused":
                self._put(conn, group, adder, invitee, decision, via_link=False)
            results.append(InviteResult(invitee["handle"], decision.outcome, decision.findings))
        return results

    def create(self, by: str, name: Any, members: Any) -> GroupCreated:
        """Make a group with its creator as owner and put each person in; refused as a
        whole (nothing made) when the creator may not make one."""
        name = check_name(name)
        now, policy = self.shell.now(), self.shell.policy
        with self.shell.unit.write() as conn:
            creator = find_account(conn, by)
            facts = loading.account_facts(creator,
                                          db_enforcement.active_ban(conn, creator["id"], now))
            created = tuple(db_groups.groups_created_since(conn, creator["id"], now - _DAY))
            refused = creation_findings(facts, created, now, policy)
            if refused:
                return GroupCreated(None, [], tuple(refused))
            group_id = db_groups.create_group(conn, name, creator["id"], now,
                                              is_teen(facts, now, policy))
            db_groups.put_entry(conn, group_id, creator["id"], None, now, True, True)
            group = self._group(conn, group_id)
            results = self._add_each(conn, group, creator, members, creating=True)
            return GroupCreated(self.group_json(conn, group), results)

    def add(self, by: str, group_id: int, handles: Any) -> list[InviteResult]:
        with self.shell.unit.write() as conn:
            adder = find_account(conn, by)
            group = self._member_group(conn, group_id, adder)
            return self._add_each(conn, group, adder, handles, creating=False)

    def why_invite(self, by: str, group_id: int, handle: str) -> InviteDecision:
        """What putting `handle` in the group would answer, without doing it."""
        with self.shell.unit.read() as conn:
            adder = find_account(conn, by)
            group = self._member_group(conn, group_id, adder)
            invitee = find_account(conn, handle, "invite")
            return decide_invite(self._invite_facts(conn, group, adder, invitee),
                                 self.shell.policy)

    def link(self, by: str, group_id: int) -> str:
        """The group's join link token (made once, kept)."""
        with self.shell.unit.write() as conn:
            me = find_account(conn, by)
            group = self._member_group(conn, group_id, me)
            if not is_member(db_groups.entry(conn, group["id"], me["id"])):
                raise NotFound(f"no group {group_id}", "group")
            if group["link_token"] is None:
                group["link_token"] = secrets.token_urlsafe(18)
                db_groups.update_group(conn, group["id"], link_token=group["link_token"])
            return group["link_token"]

    def link_join(self, by: str, group_id: int | None = None,
                  token: str | None = None) -> InviteResult:
        """Join through the group's link (by token; scenarios may name the group)."""
        with self.shell.unit.write() as conn:
            me = find_account(conn, by)
            group = (db_groups.group_by_link(conn, token) if isinstance(token, str)
                     else db_groups.group_by_id(conn, group_id) if group_id is not None
                     else None)
            if group is None:
                raise NotFound("no group with this link", "token")
            group = dict(group)
            if db_groups.entry(conn, group["id"], me["id"]) is not None:
                entry = db_groups.entry(conn, group["id"], me["id"])
                state = "added" if is_member(entry) else (
                    "invited" if not entry["accepted"] else "pending_approval")
                return InviteResult(me["handle"], state)
            decision = decide_invite(self._invite_facts(conn, group, me, me, via_link=True),
                                     self.shell.policy)
            if decision.outcome != "refused":
                self._put(conn, group, me, me, decision, via_link=True)
            return InviteResult(me["handle"], decision.outcome, decision.findings)

    # -- answering and leaving -------------------------------------------------------

    def _entry_of(self, conn: Conn, group_id: int, handle: str) -> tuple[dict, dict, dict]:
        me = find_account(conn, handle)
        group = self._member_group(conn, group_id, me)
        entry = db_groups.entry(conn, group["id"], me["id"])
        assert entry is not None
        return me, group, dict(entry)

    def join(self, by: str, group_id: int) -> str:
        """Accept an invitation; answers the state it leaves (member, or waiting)."""
        with self.shell.unit.write() as conn:
            me, group, entry = self._entry_of(conn, group_id, by)
            if not entry["accepted"]:
                now = self.shell.now()
                db_groups.update_entry(conn, group["id"], me["id"], accepted=True,
                                       joined_at=now if entry["approved"] else None)
                entry["accepted"] = True
            return "member" if is_member(entry) else "pending_approval"

    def decline(self, by: str, group_id: int) -> None:
        with self.shell.unit.write() as conn:
            me, group, entry = self._entry_of(conn, group_id, by)
            if is_member(entry):
                raise Conflict("you are a member: leave the group instead", "group")
            db_groups.delete_entry(conn, group["id"], me["id"])

    def approve(self, by: str, group_id: int, handle: str) -> str:
        """The owner lets someone waiting in."""
        with self.shell.unit.write() as conn:
            owner, group, _ = self._entry_of(conn, group_id, by)
            if group["owner_id"] != owner["id"]:
                raise Forbidden("only the group's owner approves who joins", "group")
            who = find_account(conn, handle, "member")
            entry = db_groups.entry(conn, group["id"], who["id"])
            if entry is None or entry["approved"]:
                raise NotFound(f"@{handle} is not waiting to join", "member")
            db_groups.update_entry(conn, group["id"], who["id"], approved=True,
                                   joined_at=self.shell.now() if entry["accepted"] else None)
            return "member" if entry["accepted"] else "invited"

    def leave(self, by: str, group_id: int) -> None:
        """Leave; when the owner leaves, the member who joined earliest owns the group."""
        with self.shell.unit.write() as conn:
            me, group, _ = self._entry_of(conn, group_id, by)
            db_groups.delete_entry(conn, group["id"], me["id"])
            if group["owner_id"] == me["id"]:
                heirs = [e for e in db_groups.entries(conn, group["id"]) if is_member(e)]
                if heirs:
                    db_groups.update_group(conn, group["id"], owner_id=heirs[0]["account_id"])

    def remove(self, by: str, group_id: int, handle: str) -> None:
        """The owner removes a member or a pending entry; one's own handle leaves."""
        if isinstance(handle, str) and isinstance(by, str) and handle.lower() == by.lower():
            self.leave(by, group_id)
            return
        with self.shell.unit.write() as conn:
            owner, group, _ = self._entry_of(conn, group_id, by)
            if group["owner_id"] != owner["id"]:
                raise Forbidden("only the group's owner removes members", "group")
            who = find_account(conn, handle, "handle")
            if not db_groups.delete_entry(conn, group["id"], who["id"]):
                raise NotFound(f"@{handle} is not in this group", "handle")

    def rename(self, by: str, group_id: int, name: Any) -> dict[str, Any]:
        name = check_name(name)
        with self.shell.unit.write() as conn:
            owner, group, _ = self._entry_of(conn, group_id, by)
            if group["owner_id"] != owner["id"]:
                raise Forbidden("only the group's owner renames it", "group")
            db_groups.update_group(conn, group["id"], name=name)
            return self.group_json(conn, {**group, "name": name})

    def mute(self, by: str, group_id: int, muted: bool) -> None:
        with self.shell.unit.write() as conn:
            me, group, entry = self._entry_of(conn, group_id, by)
            if not is_member(entry):
                raise NotFound(f"no group {group_id}", "group")
            db_groups.update_entry(conn, group["id"], me["id"], muted=muted)

def db_accounts_row(conn: Conn, account_id: int) -> dict[str, Any]:
    row = db_accounts.account_by_id(conn, account_id)
    assert row is not None
    return dict(row)


def db_accounts_handle(conn: Conn, account_id: int) -> str:
    return db_accounts_row(conn, account_id)["handle"]
