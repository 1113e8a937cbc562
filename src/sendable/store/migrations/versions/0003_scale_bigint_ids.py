"""scale: 64-bit ids for what grows with traffic, on PostgreSQL

conversations, messages, events and the audit log get BIGINT ids (and their
sequences, which SERIAL made 32-bit), as do the columns that point at them. At
100k messages/s a 32-bit id runs out in about six hours. SQLite's INTEGER
PRIMARY KEY is 64-bit already: nothing to do there.

Revision ID: 0003_scale
Revises: 0002_enforcement
"""

import sqlalchemy as sa
from alembic import op

revision = '0003_scale'
down_revision = '0002_enforcement'
branch_labels = None
depends_on = None

_IDS = ['conversations', 'messages', 'events', 'audit_log']
_POINTERS = [('messages', 'conversation_id'), ('reports', 'message_id')]


def _retype(new: sa.types.TypeEngine, old: sa.types.TypeEngine, sequence_type: str) -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table in _IDS:
        op.alter_column(table, 'id', type_=new, existing_type=old, existing_nullable=False)
        op.execute(f"DO $$ BEGIN EXECUTE format('ALTER SEQUENCE %s AS {sequence_type}', "
                   f"pg_get_serial_sequence('{table}', 'id')); END $$")
    for table, column in _POINTERS:
        op.alter_column(table, column, type_=new, existing_type=old)


def upgrade() -> None:
    _retype(sa.BigInteger(), sa.Integer(), 'bigint')


def downgrade() -> None:
    _retype(sa.Integer(), sa.BigInteger(), 'integer')
