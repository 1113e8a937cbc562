"""Indexes for the queries the send path and a restart run

- conversations (started_by, state): reputation counts the replies an account
  received (conversations it started that were accepted) on every message to a
  stranger; without this index that count scanned every conversation.
- messages (sent_at) instead of (sender_id, sent_at): no query filters on a
  sender's times (limits read the counters), while warming the counters after
  a restart reads every message since a time. Its inserts land on the index's
  last page, which one commit after another rewrites, rather than on a page
  per sender.

Revision ID: 0006_fast_store_indexes
Revises: 0005_spam_model_version
"""

from alembic import op

revision = '0006_fast_store_indexes'
down_revision = '0005_spam_model_version'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_conversations_started_by_state', 'conversations',
                    ['started_by', 'state'])
    op.drop_index('ix_messages_sender_id_sent_at', table_name='messages')
    op.create_index('ix_messages_sent_at', 'messages', ['sent_at'])


def downgrade() -> None:
    op.drop_index('ix_messages_sent_at', table_name='messages')
    op.create_index('ix_messages_sender_id_sent_at', 'messages', ['sender_id', 'sent_at'])
    op.drop_index('ix_conversations_started_by_state', table_name='conversations')
