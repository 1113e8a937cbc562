"""refused attempts, flag ids, 64-bit appeal targets: everything appealable has an id

- `refused_attempts`: a refused send that an appealable reason (spam.*) refused,
  kept so that a moderator can decide an appeal of it: the text, the recipient or
  group, every reason (the moderator's view, and the sender's as they were shown),
  the time and the client's id. Private to its sender and moderators. When an
  appeal of it is overturned, the message is delivered with its original time
  and `delivered_message_id` names it.
- `accounts.flag_id`: the flag in force, named by the audit entry that recorded
  it, so that a flag can be appealed once (a later flag is a new one).
- `appeals.target_id` becomes 64-bit: held messages and audit entries have 64-bit ids.

Revision ID: 0014_refused_attempts
Revises: 0013_auth_throttle
"""

import sqlalchemy as sa
from alembic import op

revision = '0014_refused_attempts'
down_revision = '0013_auth_throttle'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Time = sa.Float(precision=53)


def upgrade() -> None:
    op.create_table(
        'refused_attempts',
        sa.Column('id', BigId, nullable=False),
        sa.Column('sender_id', sa.Integer(), sa.ForeignKey(
            'accounts.id', name='fk_refused_attempts_sender_id_accounts'), nullable=False),
        sa.Column('recipient_id', sa.Integer(), sa.ForeignKey(
            'accounts.id', name='fk_refused_attempts_recipient_id_accounts')),
        sa.Column('group_id', BigId, sa.ForeignKey(
            'groups.id', name='fk_refused_attempts_group_id_groups')),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('reasons', sa.JSON(), nullable=False),
        sa.Column('sender_reasons', sa.JSON(), nullable=False),
        sa.Column('client_msg_id', sa.String(64)),
        sa.Column('created_at', Time, nullable=False),
        sa.Column('delivered_message_id', BigId),
        sa.Column('delivered_outcome', sa.String(16)),
        sa.Column('delivered_at', Time),
        sa.PrimaryKeyConstraint('id', name='pk_refused_attempts'),
    )
    with op.batch_alter_table('refused_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_refused_attempts_sender_id_created_at',
                              ['sender_id', 'created_at'], unique=False)
        batch_op.create_index('ix_refused_attempts_sender_id_client_msg_id',
                              ['sender_id', 'client_msg_id'], unique=False)
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flag_id', BigId))
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.alter_column('target_id', existing_type=sa.Integer(), type_=BigId,
                              existing_nullable=False)
    # Accounts flagged before this revision: their flag is the newest flag entry.
    op.execute(
        "UPDATE accounts SET flag_id = (SELECT MAX(audit_log.id) FROM audit_log "
        "WHERE audit_log.account_id = accounts.id AND audit_log.action = 'flag') "
        "WHERE flagged_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.alter_column('target_id', existing_type=BigId, type_=sa.Integer(),
                              existing_nullable=False)
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_column('flag_id')
    with op.batch_alter_table('refused_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_refused_attempts_sender_id_client_msg_id')
        batch_op.drop_index('ix_refused_attempts_sender_id_created_at')
    op.drop_table('refused_attempts')
