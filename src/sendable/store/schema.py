"""The schema, in SQLAlchemy Core. Times are epoch seconds (UTC) as doubles,
so that SQLite and PostgreSQL compare them the same way."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
})

Time = sa.Float(precision=53)
# Ids of what grows with traffic (conversations, messages, events, the audit log):
# 64-bit on PostgreSQL, where 32 bits last hours at 100k messages/s. SQLite's
# INTEGER PRIMARY KEY is 64-bit already (and only INTEGER autoincrements there).
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


accounts = sa.Table(
    "accounts", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("handle", sa.String(32), nullable=False),
    sa.Column("handle_key", sa.String(32), nullable=False, unique=True),  # lower-case
    sa.Column("password_hash", sa.String(255)),
    sa.Column("email", sa.String(320)),
    sa.Column("birthdate", sa.Date),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("verified", sa.Boolean, nullable=False, default=False),
    sa.Column("role", sa.String(16), nullable=False, default="member"),
    sa.Column("who_can_message", sa.String(16), nullable=False, default="everyone"),
    sa.Column("private", sa.Boolean, nullable=False, default=False),
    sa.Column("deactivated", sa.Boolean, nullable=False, default=False),
    sa.Column("flagged_at", Time),
    sa.Column("flag_source", sa.String(16)),  # reports | moderator
    sa.Column("flag_cleared_at", Time),  # reports before this no longer count
    sa.Column("flag_cleared_report", sa.Integer),  # newest report at clearing; later ones count
)

follows = sa.Table(
    "follows", metadata,
    sa.Column("follower_id", sa.Integer, sa.ForeignKey("accounts.id"), primary_key=True),
    sa.Column("followee_id", sa.Integer, sa.ForeignKey("accounts.id"), primary_key=True),
    sa.Column("approved", sa.Boolean, nullable=False),
    sa.Column("created_at", Time, nullable=False),
    sa.Index(None, "followee_id"),
)

blocks = sa.Table(
    "blocks", metadata,
    sa.Column("blocker_id", sa.Integer, sa.ForeignKey("accounts.id"), primary_key=True),
    sa.Column("blocked_id", sa.Integer, sa.ForeignKey("accounts.id"), primary_key=True),
    sa.Column("created_at", Time, nullable=False),
    sa.Index(None, "blocked_id"),
)

conversations = sa.Table(
    "conversations", metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("low_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("high_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("started_by", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # requested | accepted | declined
    sa.Column("created_at", Time, nullable=False),
    sa.Column("updated_at", Time, nullable=False),
    sa.Column("last_seq", sa.Integer, nullable=False, default=0),
    sa.Column("request_count", sa.Integer, nullable=False, default=0),
    sa.UniqueConstraint("low_id", "high_id"),
    sa.Index(None, "high_id"),
    sa.Index(None, "started_by", "state"),  # reputation's replies received (0006)
)

messages = sa.Table(
    "messages", metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("conversation_id", BigId, sa.ForeignKey("conversations.id"), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("sender_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("recipient_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),  # delivered | requested | held
    sa.Column("visible", sa.Boolean, nullable=False),  # False while held
    sa.Column("sent_at", Time, nullable=False),
    sa.Column("client_msg_id", sa.String(64)),
    sa.Column("stranger", sa.Boolean, nullable=False, default=False),
    sa.Column("new_conversation", sa.Boolean, nullable=False, default=False),
    sa.Column("fingerprint", sa.LargeBinary),
    sa.Column("reasons", sa.JSON),  # why it was held (moderator view)
    sa.Column("released_at", Time),
    sa.Column("released_by", sa.Integer, sa.ForeignKey("accounts.id")),
    sa.UniqueConstraint("conversation_id", "seq"),
    sa.UniqueConstraint("sender_id", "client_msg_id"),
    sa.Index(None, "sent_at"),  # warming the counters after a restart (0006)
    sa.Index(None, "outcome", "visible"),
)

strikes = sa.Table(
    "strikes", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("category", sa.String(32), nullable=False),
    sa.Column("source", sa.String(16), nullable=False),  # automatic | moderator
    sa.Column("message_text", sa.Text),  # the refused text, for review and appeal
    sa.Column("actor_id", sa.Integer, sa.ForeignKey("accounts.id")),
    sa.Column("note", sa.Text),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("expires_at", Time, nullable=False),
    sa.Column("removed_at", Time),
    sa.Column("client_msg_id", sa.String(64)),  # the refused attempt's, so a retry reuses it
    sa.Index(None, "account_id", "expires_at"),
    sa.Index(None, "account_id", "client_msg_id"),
)

bans = sa.Table(
    "bans", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("scope", sa.String(16), nullable=False),  # messaging | account
    sa.Column("created_at", Time, nullable=False),
    sa.Column("until", Time),  # NULL: permanent
    sa.Column("lifted_at", Time),
    sa.Column("strike_id", sa.Integer, sa.ForeignKey("strikes.id")),
    sa.Column("source", sa.String(16), nullable=False),  # ladder | moderator
    sa.Column("actor_id", sa.Integer, sa.ForeignKey("accounts.id")),
    sa.Column("reason", sa.Text),
    sa.Index(None, "account_id"),
)

reports = sa.Table(
    "reports", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("reporter_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("message_id", BigId, sa.ForeignKey("messages.id")),
    sa.Column("reason", sa.String(64), nullable=False),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("resolved_at", Time),
    sa.Column("resolved_by", sa.Integer, sa.ForeignKey("accounts.id")),
    sa.Index(None, "account_id", "created_at"),
)

appeals = sa.Table(
    "appeals", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("target_kind", sa.String(16), nullable=False),  # ban | strike
    sa.Column("target_id", sa.Integer, nullable=False),
    sa.Column("statement", sa.Text, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # open | upheld | overturned
    sa.Column("created_at", Time, nullable=False),
    sa.Column("decided_at", Time),
    sa.Column("decided_by", sa.Integer, sa.ForeignKey("accounts.id")),
    sa.Column("note", sa.Text),
    sa.UniqueConstraint("target_kind", "target_id"),
    sa.Index(None, "state"),
)

audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("at", Time, nullable=False),
    sa.Column("actor_id", sa.Integer, sa.ForeignKey("accounts.id")),  # NULL: the system
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id")),
    sa.Column("detail", sa.JSON, nullable=False),
    sa.Index(None, "account_id", "at"),
)

sessions = sa.Table(
    "sessions", metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("expires_at", Time, nullable=False),
    sa.Column("revoked_at", Time),
    sa.Index(None, "account_id"),
)

verification_codes = sa.Table(
    "verification_codes", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("code_hash", sa.String(128), nullable=False),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("expires_at", Time, nullable=False),
    sa.Column("used_at", Time),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Index(None, "account_id"),
)

spam_model = sa.Table(
    "spam_model", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("updated_at", Time, nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="0"),  # bumped per save
)

# What each account's live stream carries; the id is the resumable cursor.
events = sa.Table(
    "events", metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("at", Time, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Index(None, "account_id", "id"),
)

# How far each account has read each of its conversations (0007): the seq of the
# newest message it was shown. Messages after it, from the other side, are unread.
read_cursors = sa.Table(
    "read_cursors", metadata,
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), primary_key=True),
    sa.Column("conversation_id", BigId, sa.ForeignKey("conversations.id"), primary_key=True),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("read_at", Time, nullable=False),
)
