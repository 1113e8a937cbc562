"""strikes remember the client_msg_id of the refused attempt

A refusal is not stored, so a client that lost the answer and retried with the
same client_msg_id was judged again and struck twice. The strike now keeps the
id, and a retry reuses it.

Revision ID: 0004_strike_client_msg_id
Revises: 0003_scale
"""

import sqlalchemy as sa
from alembic import op

revision = '0004_strike_client_msg_id'
down_revision = '0003_scale'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('strikes') as batch:
        batch.add_column(sa.Column('client_msg_id', sa.String(length=64), nullable=True))
        batch.create_index('ix_strikes_account_id_client_msg_id',
                           ['account_id', 'client_msg_id'])


def downgrade() -> None:
    with op.batch_alter_table('strikes') as batch:
        batch.drop_index('ix_strikes_account_id_client_msg_id')
        batch.drop_column('client_msg_id')
