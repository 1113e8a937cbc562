"""The policy lab: the attempt log and the policy history

- `attempts`: one compact record per logged send attempt (facts, text-layer
  findings, text until it expires, policy digest, model versions, outcome, codes).
- `policies`: every policy that was live, with its digest, who set it and when.

Revision ID: 0012_attempt_log
Revises: 0011_read_cursors
"""

import sqlalchemy as sa
from alembic import op

revision = '0012_attempt_log'
down_revision = '0011_read_cursors'
branch_labels = None
depends_on = None

Time = sa.Float(precision=53)
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        'attempts',
        sa.Column('id', BigId, nullable=False),
        sa.Column('at', Time, nullable=False),
        sa.Column('sender_id', sa.Integer(), nullable=False),
        sa.Column('recipient_id', sa.Integer()),
        sa.Column('group_id', sa.BigInteger()),
        sa.Column('outcome', sa.String(16), nullable=False),
        sa.Column('codes', sa.String(400), nullable=False),
        sa.Column('digest', sa.String(16), nullable=False),
        sa.Column('models', sa.String(64), nullable=False),
        sa.Column('facts', sa.Text(), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('text', sa.Text()),
        sa.Column('message_id', sa.BigInteger()),
        sa.Column('strike_id', sa.Integer()),
        sa.PrimaryKeyConstraint('id', name='pk_attempts'),
    )
    op.create_index('ix_attempts_at', 'attempts', ['at'])
    op.create_table(
        'policies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('digest', sa.String(16), nullable=False),
        sa.Column('data', sa.Text(), nullable=False),
        sa.Column('set_at', Time, nullable=False),
        sa.Column('set_by', sa.String(64), nullable=False),
        sa.Column('action', sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_policies'),
    )
    op.create_index('ix_policies_digest', 'policies', ['digest'])


def downgrade() -> None:
    op.drop_index('ix_policies_digest', table_name='policies')
    op.drop_table('policies')
    op.drop_index('ix_attempts_at', table_name='attempts')
    op.drop_table('attempts')
