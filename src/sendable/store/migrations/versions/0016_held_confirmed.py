"""held messages a moderator confirmed: they stay held and leave the queue

A moderator who agrees that a held message (direct or in a group) breaks the
rules keeps it held; `confirmed_at` records when, so the review queue lists only
the held messages nobody has decided yet. The sender may still appeal it. A
nullable column: existing held messages are all undecided, as they were.

Revision ID: 0016_held_confirmed
Revises: 0015_group_message_ids
"""

import sqlalchemy as sa
from alembic import op

revision = '0016_held_confirmed'
down_revision = '0015_group_message_ids'
branch_labels = None
depends_on = None

TABLES = ('messages', 'group_messages')


def upgrade() -> None:
    for table in TABLES:  # ALTER TABLE ADD COLUMN on both backends: no table rebuild
        op.add_column(table, sa.Column('confirmed_at', sa.Float(precision=53), nullable=True))


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        for table in TABLES:
            op.drop_column(table, 'confirmed_at')
        return
    with op.batch_alter_table('messages') as batch:
        batch.drop_column('confirmed_at')
    # group_messages is rebuilt: keep its AUTOINCREMENT and the counter 0015 set
    # (group message ids start at 2^40), which the copy would otherwise lower.
    following = conn.execute(sa.text(
        "SELECT seq FROM sqlite_sequence WHERE name = 'group_messages'")).scalar()
    with op.batch_alter_table('group_messages', recreate='always',
                              table_kwargs={'sqlite_autoincrement': True}) as batch:
        batch.drop_column('confirmed_at')
    if following is not None:
        conn.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = 'group_messages'"))
        conn.execute(sa.text(
            "INSERT INTO sqlite_sequence (name, seq) VALUES ('group_messages', :n)"),
            {"n": following})
