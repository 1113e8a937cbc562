"""read cursors: how far each account has read each of its conversations

One row per (account, conversation) that the account has opened: the seq of the
newest message it was shown. What came after it from the other side is unread
(the counts in the inbox and the page header). Read cursors are the reader's own:
they are never shown to the other side (no read receipts).

Revision ID: 0011_read_cursors
Revises: 0010_learned_models
"""

import sqlalchemy as sa
from alembic import op

revision = '0011_read_cursors'
down_revision = '0010_learned_models'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        'read_cursors',
        sa.Column('account_id', sa.Integer(), sa.ForeignKey('accounts.id',
                  name='fk_read_cursors_account_id_accounts'), nullable=False),
        sa.Column('conversation_id', BigId, sa.ForeignKey('conversations.id',
                  name='fk_read_cursors_conversation_id_conversations'), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('read_at', sa.Float(precision=53), nullable=False),
        sa.PrimaryKeyConstraint('account_id', 'conversation_id', name='pk_read_cursors'),
    )


def downgrade() -> None:
    op.drop_table('read_cursors')
