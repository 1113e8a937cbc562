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
# Group messages are numbered from here on, direct messages below it, so that a bare
# message id (POST /v1/messages/{id}/forward) names one message (migration 0015).
GROUP_MESSAGE_IDS_FROM = 1 << 40


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
    sa.Column("group_invites", sa.String(16), nullable=False, default="mutuals",
              server_default="mutuals"),  # who may put them in a group (0008)
    sa.Column("private", sa.Boolean, nullable=False, default=False),
    sa.Column("deactivated", sa.Boolean, nullable=False, default=False),
    sa.Column("flagged_at", Time),
    sa.Column("flag_source", sa.String(16)),  # reports | moderator
    sa.Column("flag_cleared_at", Time),  # reports before this no longer count
    sa.Column("flag_cleared_report", sa.Integer),  # newest report at clearing; later ones count
    # Finding people (0009): search and contact matches only show discoverable
    # accounts; uploaded contacts count only while sync_contacts is on.
    sa.Column("discoverable", sa.Boolean, nullable=False, default=True, server_default=sa.true()),
    sa.Column("sync_contacts", sa.Boolean, nullable=False, default=False,
              server_default=sa.false()),
    sa.Column("display_name", sa.String(64)),
    sa.Column("phone", sa.String(20)),  # E.164; matches only once phone_verified
    sa.Column("phone_verified", sa.Boolean, nullable=False, default=False,
              server_default=sa.false()),
    sa.Column("flag_id", BigId),  # the flag in force: its audit entry's id (0014)
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
    sa.Column("forwarded_from", sa.String(32)),  # "dm:<id>" or "group:<id>" (0008)
    sa.Column("confirmed_at", Time),  # a moderator kept it held (0016): off the queue
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
    # ban | strike | group | held | attempt | flag (0014: 64-bit ids)
    sa.Column("target_kind", sa.String(16), nullable=False),
    sa.Column("target_id", BigId, nullable=False),
    sa.Column("statement", sa.Text, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # open | upheld | overturned
    sa.Column("created_at", Time, nullable=False),
    sa.Column("decided_at", Time),
    sa.Column("decided_by", sa.Integer, sa.ForeignKey("accounts.id")),
    sa.Column("note", sa.Text),
    sa.UniqueConstraint("target_kind", "target_id"),
    sa.Index(None, "state"),
)

# A send refused for an appealable reason (spam.*), kept so its appeal can be decided:
# private to its sender and moderators (0014).
refused_attempts = sa.Table(
    "refused_attempts", metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("sender_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("recipient_id", sa.Integer, sa.ForeignKey("accounts.id")),
    sa.Column("group_id", BigId, sa.ForeignKey("groups.id")),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("reasons", sa.JSON, nullable=False),  # moderator view
    sa.Column("sender_reasons", sa.JSON, nullable=False),  # as the sender was shown them
    sa.Column("client_msg_id", sa.String(64)),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("delivered_message_id", BigId),  # once an overturned appeal delivered it
    sa.Column("delivered_outcome", sa.String(16)),  # delivered | requested | held | refused
    sa.Column("delivered_at", Time),
    sa.Index(None, "sender_id", "created_at"),
    sa.Index(None, "sender_id", "client_msg_id"),
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


# -- groups (0008) ---------------------------------------------------------------------

groups = sa.Table(
    "groups", metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("owner_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("created_by", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("owner_teen_at_creation", sa.Boolean, nullable=False, default=False),
    sa.Column("closed_at", Time),  # closed by a moderator: nobody posts
    sa.Column("link_token", sa.String(64), unique=True),
    sa.Column("last_seq", sa.Integer, nullable=False, default=0),
    sa.Index(None, "created_by", "created_at"),  # creation limits
)

# Members and pending entries: a member has both accepted and been approved.
group_members = sa.Table(
    "group_members", metadata,
    sa.Column("group_id", BigId, sa.ForeignKey("groups.id"), primary_key=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), primary_key=True),
    sa.Column("added_by", sa.Integer, sa.ForeignKey("accounts.id")),
    sa.Column("added_at", Time, nullable=False),
    sa.Column("accepted", sa.Boolean, nullable=False),  # False: invited, must accept
    sa.Column("approved", sa.Boolean, nullable=False),  # False: waits for the owner
    sa.Column("joined_at", Time),  # when both held: the order ownership passes in
    sa.Column("muted", sa.Boolean, nullable=False, default=False),
    sa.Index(None, "account_id"),
)

group_messages = sa.Table(
    "group_messages", metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("group_id", BigId, sa.ForeignKey("groups.id"), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("sender_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),  # delivered | held
    sa.Column("visible", sa.Boolean, nullable=False),
    sa.Column("sent_at", Time, nullable=False),
    sa.Column("client_msg_id", sa.String(64)),
    sa.Column("stranger", sa.Boolean, nullable=False, default=False),
    sa.Column("fingerprint", sa.LargeBinary),
    sa.Column("reasons", sa.JSON),
    sa.Column("forwarded_from", sa.String(32)),
    sa.Column("confirmed_at", Time),  # a moderator kept it held (0016): off the queue
    sa.UniqueConstraint("group_id", "seq"),
    sa.UniqueConstraint("sender_id", "client_msg_id"),
    sa.Index(None, "sent_at"),
    sqlite_autoincrement=True,  # ids from GROUP_MESSAGE_IDS_FROM on (0015)
)

# Reports of a whole group, for moderators; they never count toward anyone's flag.
group_reports = sa.Table(
    "group_reports", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("group_id", BigId, sa.ForeignKey("groups.id"), nullable=False),
    sa.Column("reporter_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("reason", sa.String(64), nullable=False),
    sa.Column("created_at", Time, nullable=False),
    sa.Index(None, "group_id"),
)


# -- finding people (0009) -------------------------------------------------------------
# Contact data is kept only as keyed hashes (HMAC-SHA256 under the server's contact
# secret) of normalised values: never an address or a number uploaded as a contact.

# The server's secrets by name (the contact key, unless a file holds it).
server_secrets = sa.Table(
    "server_secrets", metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("value", sa.String(128), nullable=False),
    sa.Column("created_at", Time, nullable=False),
)

# An account's own verified addresses, hashed, so uploads can be matched against them.
contact_addresses = sa.Table(
    "contact_addresses", metadata,
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), primary_key=True),
    sa.Column("kind", sa.String(8), primary_key=True),  # email | phone
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Index(None, "hash"),
)

# The hashes of an account's uploaded contact list.
contacts = sa.Table(
    "contacts", metadata,
    sa.Column("owner_id", sa.Integer, sa.ForeignKey("accounts.id"), primary_key=True),
    sa.Column("hash", sa.String(64), primary_key=True),
    sa.Index(None, "hash"),
)

# Codes sent to a phone number being verified (argon2 hashes, as for mail codes).
phone_codes = sa.Table(
    "phone_codes", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("code_hash", sa.String(128), nullable=False),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("expires_at", Time, nullable=False),
    sa.Column("used_at", Time),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Index(None, "account_id"),
)


# -- learned text models (0010) ---------------------------------------------------------
# Learned text models: one row per trained version; the highest id of a kind
# is in force. A row is written whole in one statement, so a swap is atomic.
text_models = sa.Table(
    "text_models", metadata,
    sa.Column("id", sa.Integer, primary_key=True),  # the version
    sa.Column("kind", sa.String(16), nullable=False),  # spam | abuse
    sa.Column("data", sa.Text, nullable=False),  # the detector as JSON
    sa.Column("summary", sa.JSON, nullable=False),  # cross-validated figures, label counts
    sa.Column("created_at", Time, nullable=False),
    sa.Index(None, "kind", "id"),
)

# Labels the models are trained from: files given to `train`, and moderators' verdicts.
labels = sa.Table(
    "labels", metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),  # spam | abuse
    sa.Column("positive", sa.Boolean, nullable=False),  # spam / abusive
    sa.Column("category", sa.String(32)),  # abuse: the category, when known
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("source", sa.String(64), nullable=False),  # file:<name> | verdict:<what>
    sa.Column("message_id", BigId),
    sa.Column("moderator_id", sa.Integer, sa.ForeignKey("accounts.id")),
    sa.Column("at", Time, nullable=False),
    sa.Index(None, "kind", "id"),
)


# -- read cursors (0011) -----------------------------------------------------------------
# How far each account has read each of its conversations (0011): the seq of the
# newest message it was shown. Messages after it, from the other side, are unread.
read_cursors = sa.Table(
    "read_cursors", metadata,
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), primary_key=True),
    sa.Column("conversation_id", BigId, sa.ForeignKey("conversations.id"), primary_key=True),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("read_at", Time, nullable=False),
)


# -- hardening (issue 14, 0013) ----------------------------------------------------------------

# Sign-up and log-in attempts in moving windows, kept in the store so that a restart
# does not reset them (Redis keeps them instead when the server is given one).
auth_counters = sa.Table(
    "auth_counters", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("key", sa.String(200), nullable=False),
    sa.Column("at", Time, nullable=False),
    sa.Column("member", sa.String(40), nullable=False),
    sa.Index(None, "key", "at"),
)

# Short-lived, single-use tickets that open one live stream for one session.
stream_tickets = sa.Table(
    "stream_tickets", metadata,
    sa.Column("ticket_hash", sa.String(64), primary_key=True),
    sa.Column("session_hash", sa.String(64), nullable=False),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("expires_at", Time, nullable=False),
    sa.Column("used_at", Time),
)

# What a follower is shown of a follow that is not real: one asked of someone who
# blocked them, or a request that was declined. Only the follower's own view reads
# it; no rule counts it.
shown_follows = sa.Table(
    "shown_follows", metadata,
    sa.Column("follower_id", sa.Integer, sa.ForeignKey("accounts.id"), primary_key=True),
    sa.Column("followee_id", sa.Integer, sa.ForeignKey("accounts.id"), primary_key=True),
    sa.Column("state", sa.String(16), nullable=False),  # following | pending
    sa.Column("created_at", Time, nullable=False),
)


# The attempt log (0012): one compact record per logged send attempt, for the policy
# lab. `facts` and `content` are JSON (sendable/lab/codec.py); `text` is dropped after
# audit.attempt_retention, the rest kept until audit.attempt_max_age.
attempts = sa.Table(
    "attempts", metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("at", Time, nullable=False),
    sa.Column("sender_id", sa.Integer, nullable=False),
    sa.Column("recipient_id", sa.Integer),  # NULL for a group message
    sa.Column("group_id", sa.BigInteger),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("codes", sa.String(400), nullable=False),  # space-separated, precedence order
    sa.Column("digest", sa.String(16), nullable=False),  # the policy that decided
    sa.Column("models", sa.String(64), nullable=False),  # JSON: {"spam": version}
    sa.Column("facts", sa.Text, nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("text", sa.Text),
    sa.Column("message_id", sa.BigInteger),  # the stored message (or group message)
    sa.Column("strike_id", sa.Integer),  # the strike a refusal recorded
    sa.Index(None, "at"),
)

# Every policy that was live (0012): its digest, the policy as JSON, who set it, when.
policies = sa.Table(
    "policies", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("digest", sa.String(16), nullable=False),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("set_at", Time, nullable=False),
    sa.Column("set_by", sa.String(64), nullable=False),  # a moderator's handle, or "operator"
    sa.Column("action", sa.String(16), nullable=False),  # start | promote | revert
    sa.Index(None, "digest"),
)
