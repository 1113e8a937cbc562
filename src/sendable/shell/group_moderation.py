"""Groups as moderators and members raise them: reports of a whole group, closing
and reopening one, and every group with its reports for the console."""

from __future__ import annotations

from typing import Any

from sendable.clock import to_iso
from sendable.errors import Invalid
from sendable.shell.context import Shell, find_account, moderator_id
from sendable.shell.groups import Groups
from sendable.store import accounts as db_accounts
from sendable.store import groups as db_groups
from sendable.store import moderation as db_audit


class GroupModeration:
    def __init__(self, shell: Shell, groups: Groups) -> None:
        self.shell = shell
        self.groups = groups

    def set_closed(self, group_id: int, closed: bool, by: str | None = None,
                   reason: str | None = None) -> None:
        """A moderator closes a group (nobody posts; the owner may appeal) or reopens it."""
        now = self.shell.now()
        with self.shell.unit.write() as conn:
            actor = moderator_id(conn, by)
            group = self.groups._group(conn, group_id)
            db_groups.update_group(conn, group["id"], closed_at=now if closed else None)
            db_audit.audit(conn, now, "close_group" if closed else "reopen_group",
                           group["owner_id"], actor, group_id=group["id"], reason=reason)

    def report(self, by: str, group_id: int, reason: Any) -> int:
        """Report a whole group to moderators (its members and invitees only)."""
        if not isinstance(reason, str) or not reason.strip() or len(reason) > 64:
            raise Invalid("reason must be 1-64 characters", "reason")
        with self.shell.unit.write() as conn:
            me = find_account(conn, by)
            group = self.groups._member_group(conn, group_id, me)
            now = self.shell.now()
            report_id = db_groups.insert_group_report(conn, group["id"], me["id"],
                                                      reason.strip(), now)
            db_audit.audit(conn, now, "report_group", group["owner_id"], me["id"],
                           group_id=group["id"], reason=reason.strip())
            return report_id

    def all(self) -> list[dict[str, Any]]:
        """Every group with its reports, for moderators."""
        with self.shell.unit.read() as conn:
            out = []
            for g in db_groups.all_groups(conn):
                reports = db_groups.reports_of_group(conn, g["id"])
                names = db_accounts.handles_by_ids(conn, [r["reporter_id"] for r in reports])
                out.append({**self.groups.group_json(conn, g), "reports": [
                    {"id": r["id"], "by": names[r["reporter_id"]], "reason": r["reason"],
                     "at": to_iso(r["created_at"])} for r in reports]})
            return out
