"""Follows and blocks: who stands how towards whom."""

from __future__ import annotations

from sendable.clock import to_iso
from sendable.errors import Invalid, NotFound
from sendable.shell.context import Shell, find_account
from sendable.store import social as db_social
from sendable.store.driver import Conn


class Social:
    def __init__(self, shell: Shell) -> None:
        self.shell = shell

    def follow(self, follower: str, followee: str) -> str:
        """Follow someone; a private account must approve. Returns the follow's state."""
        with self.shell.unit.write() as conn:
            a, b = find_account(conn, follower), find_account(conn, followee)
            if a["id"] == b["id"]:
                raise Invalid("you cannot follow yourself", "handle")
            if (db_social.is_blocked(conn, a["id"], b["id"])
                    or db_social.is_blocked(conn, b["id"], a["id"])):
                # The answer any account would get from these settings, so a block
                # stays private; nothing is stored, so no rule counts it.
                return "pending" if b["private"] else "following"
            existing = db_social.follow_row(conn, a["id"], b["id"])
            if existing and existing["approved"]:
                return "following"
            approved = not b["private"]
            db_social.put_follow(conn, a["id"], b["id"], approved, self.shell.now())
            return "following" if approved else "pending"

    def unfollow(self, follower: str, followee: str) -> bool:
        with self.shell.unit.write() as conn:
            a, b = find_account(conn, follower), find_account(conn, followee)
            return db_social.delete_follow(conn, a["id"], b["id"])

    def _waiting(self, conn: Conn, owner: dict, follower: str) -> dict:
        """The account waiting for `owner`'s approval. One that has not asked, or
        that does not exist (or is not found by search), answers the same 404."""
        missing = NotFound(f"@{follower} has not asked to follow you", "follower")
        try:
            fan = find_account(conn, follower, "follower")
        except NotFound:
            raise missing from None
        row = db_social.follow_row(conn, fan["id"], owner["id"])
        if row is None or row["approved"]:
            raise missing
        return fan

    def approve_follow(self, by: str, follower: str) -> None:
        """Approve a request to follow a private account (only one that was asked)."""
        with self.shell.unit.write() as conn:
            owner = find_account(conn, by)
            fan = self._waiting(conn, owner, follower)
            db_social.put_follow(conn, fan["id"], owner["id"], True, self.shell.now())

    def decline_follow(self, by: str, follower: str) -> None:
        """Turn down a request to follow a private account; the asker is not told."""
        with self.shell.unit.write() as conn:
            owner = find_account(conn, by)
            fan = self._waiting(conn, owner, follower)
            db_social.delete_follow(conn, fan["id"], owner["id"])

    def follow_requests(self, handle: str) -> list[dict]:
        with self.shell.unit.read() as conn:
            account = find_account(conn, handle)
            return [{"handle": r["handle"], "requested_at": to_iso(r["created_at"])}
                    for r in db_social.pending_followers(conn, account["id"])]

    def block(self, blocker: str, blocked: str) -> None:
        """Block someone: follows between the two go, both ways, and stay gone."""
        with self.shell.unit.write() as conn:
            a, b = find_account(conn, blocker), find_account(conn, blocked)
            if a["id"] == b["id"]:
                raise Invalid("you cannot block yourself", "handle")
            db_social.put_block(conn, a["id"], b["id"], self.shell.now())
            db_social.delete_follow(conn, a["id"], b["id"])
            db_social.delete_follow(conn, b["id"], a["id"])

    def unblock(self, blocker: str, blocked: str) -> bool:
        with self.shell.unit.write() as conn:
            a, b = find_account(conn, blocker), find_account(conn, blocked)
            return db_social.delete_block(conn, a["id"], b["id"])

    def blocked_accounts(self, handle: str) -> list[str]:
        with self.shell.unit.read() as conn:
            return db_social.blocked_handles(conn, find_account(conn, handle)["id"])

    def follow_state(self, follower: str, followee: str) -> str | None:
        """'following', 'pending' (a private account has not approved yet) or None."""
        with self.shell.unit.read() as conn:
            a, b = find_account(conn, follower), find_account(conn, followee)
            row = db_social.follow_row(conn, a["id"], b["id"])
            return None if row is None else ("following" if row["approved"] else "pending")
