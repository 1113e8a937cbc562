"""Follows and blocks: who stands how towards whom."""

from __future__ import annotations

from sendable.clock import to_iso
from sendable.errors import Invalid, NotFound
from sendable.shell.context import Shell, find_account
from sendable.store import shown_follows as db_shown
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
            now = self.shell.now()
            if (db_social.is_blocked(conn, a["id"], b["id"])
                    or db_social.is_blocked(conn, b["id"], a["id"])):
                # The answer any account would get from these settings, and it keeps
                # reading so (a shown follow), so a block stays private; no real
                # follow is stored, so no rule counts it.
                state = db_shown.state(conn, a["id"], b["id"])
                if state is None:
                    state = "pending" if b["private"] else "following"
                    db_shown.put(conn, a["id"], b["id"], state, now)
                return state
            existing = db_social.follow_row(conn, a["id"], b["id"])
            if existing and existing["approved"]:
                return "following"
            if db_shown.state(conn, a["id"], b["id"]) == "pending" and b["private"]:
                return "pending"  # declined: it reads as still waiting, and asks nobody
            db_shown.drop(conn, a["id"], b["id"])
            approved = not b["private"]
            db_social.put_follow(conn, a["id"], b["id"], approved, now)
            return "following" if approved else "pending"

    def unfollow(self, follower: str, followee: str) -> bool:
        with self.shell.unit.write() as conn:
            a, b = find_account(conn, follower), find_account(conn, followee)
            shown = db_shown.drop(conn, a["id"], b["id"])
            return db_social.delete_follow(conn, a["id"], b["id"]) or shown

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
        """Turn down a request to follow a private account; the asker is not told: to
        them it keeps reading as a request not yet answered."""
        with self.shell.unit.write() as conn:
            owner = find_account(conn, by)
            fan = self._waiting(conn, owner, follower)
            db_social.delete_follow(conn, fan["id"], owner["id"])
            db_shown.put(conn, fan["id"], owner["id"], "pending", self.shell.now())

    def follow_requests(self, handle: str) -> list[dict]:
        with self.shell.unit.read() as conn:
            account = find_account(conn, handle)
            return [{"handle": r["handle"], "requested_at": to_iso(r["created_at"])}
                    for r in db_social.pending_followers(conn, account["id"])]

    def block(self, blocker: str, blocked: str) -> None:
        """Block someone: follows between the two go, both ways, and stay gone. The
        blocked account keeps seeing its follow as it was (a shown follow, which no
        rule counts), so the block stays private."""
        with self.shell.unit.write() as conn:
            a, b = find_account(conn, blocker), find_account(conn, blocked)
            if a["id"] == b["id"]:
                raise Invalid("you cannot block yourself", "handle")
            now = self.shell.now()
            theirs = db_social.follow_row(conn, b["id"], a["id"])
            if theirs is not None:
                db_shown.put(conn, b["id"], a["id"],
                             "following" if theirs["approved"] else "pending", now)
            db_social.put_block(conn, a["id"], b["id"], now)
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
        """'following', 'pending' (a private account has not approved yet) or None, as
        the follower is shown it."""
        with self.shell.unit.read() as conn:
            a, b = find_account(conn, follower), find_account(conn, followee)
            row = db_social.follow_row(conn, a["id"], b["id"])
            if row is None:
                return db_shown.state(conn, a["id"], b["id"])
            return "following" if row["approved"] else "pending"
