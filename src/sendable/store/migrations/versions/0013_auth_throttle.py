"""Hardening: sign-in throttle counters, stream tickets, follows as the follower sees them

- `auth_counters`: sign-up and log-in attempts in moving windows (per address, per
  account, per address and account), so a restart does not reset a throttle.
- `stream_tickets`: short-lived single-use tickets that open a live stream for one
  session (pages no longer carry the session token).
- `shown_follows`: what a follower is shown of a follow that is not real (asked of
  someone who blocked them, or declined); no rule counts these rows.

Revision ID: 0013_auth_throttle
Revises: 0012_attempt_log
"""

import sqlalchemy as sa
from alembic import op

revision = '0013_auth_throttle'
down_revision = '0012_attempt_log'
branch_labels = None
depends_on = None

Time = sa.Float(precision=53)


def upgrade() -> None:
    op.create_table(
        'auth_counters',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(200), nullable=False),
        sa.Column('at', Time, nullable=False),
        sa.Column('member', sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_auth_counters'),
    )
    op.create_index('ix_auth_counters_key_at', 'auth_counters', ['key', 'at'])
    op.create_table(
        'stream_tickets',
        sa.Column('ticket_hash', sa.String(64), nullable=False),
        sa.Column('session_hash', sa.String(64), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('created_at', Time, nullable=False),
        sa.Column('expires_at', Time, nullable=False),
        sa.Column('used_at', Time),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'],
                                name='fk_stream_tickets_account_id_accounts'),
        sa.PrimaryKeyConstraint('ticket_hash', name='pk_stream_tickets'),
    )
    op.create_table(
        'shown_follows',
        sa.Column('follower_id', sa.Integer(), nullable=False),
        sa.Column('followee_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(16), nullable=False),
        sa.Column('created_at', Time, nullable=False),
        sa.ForeignKeyConstraint(['follower_id'], ['accounts.id'],
                                name='fk_shown_follows_follower_id_accounts'),
        sa.ForeignKeyConstraint(['followee_id'], ['accounts.id'],
                                name='fk_shown_follows_followee_id_accounts'),
        sa.PrimaryKeyConstraint('follower_id', 'followee_id', name='pk_shown_follows'),
    )


def downgrade() -> None:
    op.drop_table('shown_follows')
    op.drop_table('stream_tickets')
    op.drop_index('ix_auth_counters_key_at', table_name='auth_counters')
    op.drop_table('auth_counters')
