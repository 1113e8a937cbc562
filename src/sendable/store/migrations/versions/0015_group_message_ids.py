"""group message ids: their own range, disjoint from direct message ids

`POST /v1/messages/{id}/forward` names a message by a bare id, which must say
by itself which message it is. Direct messages keep the ids below 2^40; group
messages are numbered from 2^40 on (both stay exact in a JavaScript number).
Existing group messages keep their ids, so every reference to them (forwards,
appeals, labels, the attempt log, stream events) stays true; only the next id
moves. On SQLite the table is rebuilt with AUTOINCREMENT, whose counter is the
only way to make SQLite start rowids somewhere.

Revision ID: 0015_group_message_ids
Revises: 0014_refused_attempts
"""

import sqlalchemy as sa
from alembic import op

revision = '0015_group_message_ids'
down_revision = '0014_refused_attempts'
branch_labels = None
depends_on = None

GROUP_MESSAGE_IDS_FROM = 1 << 40


def upgrade() -> None:
    conn = op.get_bind()
    top = conn.execute(sa.text("SELECT max(id) FROM group_messages")).scalar()
    following = max(GROUP_MESSAGE_IDS_FROM, (top or 0) + 1)
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text(
            "SELECT setval(pg_get_serial_sequence('group_messages', 'id'), :n, false)"),
            {"n": following})
        return
    with op.batch_alter_table('group_messages', recreate='always',
                              table_kwargs={'sqlite_autoincrement': True}):
        pass
    # sqlite_sequence holds the last id given: the next is one more.
    conn.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = 'group_messages'"))
    conn.execute(sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES ('group_messages', :n)"),
                 {"n": following - 1})


def downgrade() -> None:
    pass  # ids already given stay; a lower next id would only risk the ambiguity again
