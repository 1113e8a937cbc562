"""Learned text models, versioned, and the labels they are trained from

- text_models: one row per trained spam or abuse detector; the highest id of a
  kind is the one in force, so every node sees a swap with one small query.
- labels: every label (files given to `spam train` / `guidelines train`, and
  moderators' verdicts with their time and moderator).

Revision ID: 0010_learned_models
Revises: 0009_contacts
"""

import sqlalchemy as sa
from alembic import op

revision = '0010_learned_models'
down_revision = '0009_contacts'
branch_labels = None
depends_on = None

Time = sa.Float(precision=53)
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        'text_models',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('kind', sa.String(16), nullable=False),
        sa.Column('data', sa.Text(), nullable=False),
        sa.Column('summary', sa.JSON(), nullable=False),
        sa.Column('created_at', Time, nullable=False),
    )
    op.create_index('ix_text_models_kind_id', 'text_models', ['kind', 'id'])
    op.create_table(
        'labels',
        sa.Column('id', BigId, primary_key=True),
        sa.Column('kind', sa.String(16), nullable=False),
        sa.Column('positive', sa.Boolean(), nullable=False),
        sa.Column('category', sa.String(32)),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('source', sa.String(64), nullable=False),
        sa.Column('message_id', BigId),
        sa.Column('moderator_id', sa.Integer(), sa.ForeignKey('accounts.id',
                  name='fk_labels_moderator_id_accounts')),
        sa.Column('at', Time, nullable=False),
    )
    op.create_index('ix_labels_kind_id', 'labels', ['kind', 'id'])


def downgrade() -> None:
    op.drop_index('ix_labels_kind_id', table_name='labels')
    op.drop_table('labels')
    op.drop_index('ix_text_models_kind_id', table_name='text_models')
    op.drop_table('text_models')
