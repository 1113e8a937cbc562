"""An account's standing: in numbers for moderators, in words for its holder."""

from __future__ import annotations

from typing import Any

from sendable.clock import to_iso
from sendable.enforcement.reputation import band, holder_band
from sendable.gate import Facts
from sendable.gate.checks import account as account_check
from sendable.gate.checks import ban as ban_check
from sendable.gate.facts import AccountFacts, ban_in_force
from sendable.reasons import render_all
from sendable.shell import facts as loading
from sendable.shell.appealables import appealables
from sendable.shell.context import Shell, find_account
from sendable.shell.moderation import Moderation
from sendable.store import accounts as db_accounts
from sendable.store import enforcement as db_enforcement
from sendable.store.driver import Conn


def account_facts(conn: Conn, row: dict[str, Any], now: float) -> AccountFacts:
    """An account's own facts (ban, strikes, flag, reputation) as the gate sees them."""
    counts = db_accounts.standing_counts(conn, row["id"], now)
    return loading.account_facts(row, db_enforcement.active_ban(conn, row["id"], now), counts,
                                 now)


class Standing:
    def __init__(self, shell: Shell, moderation: Moderation) -> None:
        self.shell = shell
        self.moderation = moderation

    def status(self, handle: str) -> dict[str, Any]:
        """An account's standing in numbers: what scenarios and moderators check."""
        now = self.shell.now()
        with self.shell.unit.read() as conn:
            row = find_account(conn, handle)
            facts = account_facts(conn, row, now)
        rep = facts.reputation
        return {
            "handle": row["handle"],
            "banned": facts.ban is not None,
            "ban_scope": facts.ban.scope if facts.ban else None,
            "ban_until": to_iso(facts.ban.until) if facts.ban else None,
            "strikes": facts.active_strikes,
            "flagged": facts.flagged,
            "verified": facts.verified,
            "reputation": round(rep.score, 4) if rep else None,
            "reputation_band": (band(rep.score, self.shell.policy.spam.min_reputation)
                                if rep else None),
            "reputation_components": dict(rep.components) if rep else {},
        }

    def standing(self, handle: str) -> dict[str, Any]:
        """An account's standing as its holder sees it: restrictions (as the reasons the
        gate would give), strikes, bans with their ends, the reputation band (never the
        number, and only whether it limits them) and appeals."""
        now, policy = self.shell.now(), self.shell.policy
        appeals = self.moderation.appeals(handle)
        appealed = {a["target"]: a["state"] for a in appeals}
        with self.shell.unit.read() as conn:
            row = find_account(conn, handle)
            me = account_facts(conn, row, now)
            strikes = db_enforcement.strikes_of(conn, row["id"])
            bans = db_enforcement.bans_of(conn, row["id"])
            more = appealables(conn, row, now, appealed)
        # The checks about the sender's own account, asked of the account alone.
        alone = Facts(now=now, sender=me, recipient=me)
        findings = ban_check.check(alone, policy) + account_check.check(alone, policy)
        return {
            "handle": row["handle"],
            "restrictions": render_all(findings, "sender"),
            "strikes": [{"id": s["id"], "category": s["category"], "source": s["source"],
                         "created_at": to_iso(s["created_at"]),
                         "expires_at": to_iso(s["expires_at"]),
                         "removed_at": to_iso(s["removed_at"]),
                         "active": s["removed_at"] is None and s["expires_at"] > now,
                         "appeal_target": f"strike:{s['id']}",
                         "appeal": appealed.get(f"strike:{s['id']}")} for s in strikes],
            "bans": [{"id": b["id"], "scope": b["scope"], "created_at": to_iso(b["created_at"]),
                      "until": to_iso(b["until"]), "lifted_at": to_iso(b["lifted_at"]),
                      "active": ban_in_force(b["until"], now, b["lifted_at"]),
                      "appeal_target": f"ban:{b['id']}",
                      "appeal": appealed.get(f"ban:{b['id']}")} for b in bans],
            "flagged": me.flagged,
            "verified": me.verified,
            "reputation_band": (holder_band(me.reputation.score, policy.spam.min_reputation)
                                if me.reputation else None),
            "appeals": appeals,
            **more,  # held messages, refused attempts, the flag, closed groups
        }
