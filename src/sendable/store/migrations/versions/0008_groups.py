"""Group conversations: groups, their members and pending entries, their messages,
reports of a group;
who may put an account in a group; forwarded messages marked.

Existing data is carried forward: every account gets the default `group_invites`
(mutuals), and existing messages are not forwarded.

Revision ID: 0008_groups
Revises: 0006_fast_store_indexes
"""

import sqlalchemy as sa
from alembic import op

revision = '0008_groups'
down_revision = '0006_fast_store_indexes'
branch_labels = None
depends_on = None

Time = sa.Float(precision=53)
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table('accounts') as batch:
        batch.add_column(sa.Column('group_invites', sa.String(16), nullable=False,
                                   server_default='mutuals'))
    with op.batch_alter_table('messages') as batch:
        batch.add_column(sa.Column('forwarded_from', sa.String(32)))
    op.create_table(
        'groups',
        sa.Column('id', BigId, primary_key=True),
        sa.Column('name', sa.String(64), nullable=False),
        sa.Column('owner_id', sa.Integer, sa.ForeignKey('accounts.id'), nullable=False),
        sa.Column('created_by', sa.Integer, sa.ForeignKey('accounts.id'), nullable=False),
        sa.Column('created_at', Time, nullable=False),
        sa.Column('owner_teen_at_creation', sa.Boolean, nullable=False),
        sa.Column('closed_at', Time),
        sa.Column('link_token', sa.String(64)),
        sa.Column('last_seq', sa.Integer, nullable=False),
        sa.UniqueConstraint('link_token', name='uq_groups_link_token'),
    )
    op.create_index('ix_groups_created_by_created_at', 'groups', ['created_by', 'created_at'])
    op.create_table(
        'group_members',
        sa.Column('group_id', BigId, sa.ForeignKey('groups.id'), primary_key=True),
        sa.Column('account_id', sa.Integer, sa.ForeignKey('accounts.id'), primary_key=True),
        sa.Column('added_by', sa.Integer, sa.ForeignKey('accounts.id')),
        sa.Column('added_at', Time, nullable=False),
        sa.Column('accepted', sa.Boolean, nullable=False),
        sa.Column('approved', sa.Boolean, nullable=False),
        sa.Column('joined_at', Time),
        sa.Column('muted', sa.Boolean, nullable=False),
    )
    op.create_index('ix_group_members_account_id', 'group_members', ['account_id'])
    op.create_table(
        'group_messages',
        sa.Column('id', BigId, primary_key=True),
        sa.Column('group_id', BigId, sa.ForeignKey('groups.id'), nullable=False),
        sa.Column('seq', sa.Integer, nullable=False),
        sa.Column('sender_id', sa.Integer, sa.ForeignKey('accounts.id'), nullable=False),
        sa.Column('text', sa.Text, nullable=False),
        sa.Column('outcome', sa.String(16), nullable=False),
        sa.Column('visible', sa.Boolean, nullable=False),
        sa.Column('sent_at', Time, nullable=False),
        sa.Column('client_msg_id', sa.String(64)),
        sa.Column('stranger', sa.Boolean, nullable=False),
        sa.Column('fingerprint', sa.LargeBinary),
        sa.Column('reasons', sa.JSON),
        sa.Column('forwarded_from', sa.String(32)),
        sa.UniqueConstraint('group_id', 'seq', name='uq_group_messages_group_id_seq'),
        sa.UniqueConstraint('sender_id', 'client_msg_id',
                            name='uq_group_messages_sender_id_client_msg_id'),
    )
    op.create_index('ix_group_messages_sent_at', 'group_messages', ['sent_at'])
    op.create_table(
        'group_reports',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('group_id', BigId, sa.ForeignKey('groups.id'), nullable=False),
        sa.Column('reporter_id', sa.Integer, sa.ForeignKey('accounts.id'), nullable=False),
        sa.Column('reason', sa.String(64), nullable=False),
        sa.Column('created_at', Time, nullable=False),
    )
    op.create_index('ix_group_reports_group_id', 'group_reports', ['group_id'])


def downgrade() -> None:
    op.drop_table('group_reports')
    op.drop_table('group_messages')
    op.drop_table('group_members')
    op.drop_table('groups')
    with op.batch_alter_table('messages') as batch:
        batch.drop_column('forwarded_from')
    with op.batch_alter_table('accounts') as batch:
        batch.drop_column('group_invites')
