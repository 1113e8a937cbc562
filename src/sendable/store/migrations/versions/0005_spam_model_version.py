"""spam_model gets a version, bumped on every save

Each node keeps the model in memory; the version lets a node see cheaply that
another one has taught the model something since it loaded it.

Revision ID: 0005_spam_model_version
Revises: 0004_strike_client_msg_id
"""

import sqlalchemy as sa
from alembic import op

revision = '0005_spam_model_version'
down_revision = '0004_strike_client_msg_id'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('spam_model') as batch:
        batch.add_column(sa.Column('version', sa.Integer(), nullable=False,
                                   server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('spam_model') as batch:
        batch.drop_column('version')
