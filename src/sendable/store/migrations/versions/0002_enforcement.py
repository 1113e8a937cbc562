"""enforcement: an append-only audit log; which reports a cleared flag leaves behind

The audit log: the database refuses UPDATE and DELETE on it. A moderator must be able to trust that the log says what happened, so the
rule "never edited in place" is kept by the database, not only by our code.
(A later SQLite batch migration that rebuilds audit_log must recreate these.)

accounts.flag_cleared_report: the newest report about the account when its
flag was last cleared. Only reports after it count toward a new flag; a time
alone cannot tell reports filed in the same instant as the clearing apart.

Revision ID: 0002_enforcement
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = '0002_enforcement'
down_revision = '0001'
branch_labels = None
depends_on = None

_MESSAGE = 'audit_log is append-only'


def upgrade() -> None:
    op.add_column('accounts', sa.Column('flag_cleared_report', sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"""
            CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '{_MESSAGE}'; END; $$ LANGUAGE plpgsql""")
        op.execute("""
            CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
            FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""")
        return
    for event in ('UPDATE', 'DELETE'):
        op.execute(f"""
            CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log
            BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    else:
        for event in ('update', 'delete'):
            op.execute(f"DROP TRIGGER IF EXISTS audit_log_no_{event}")
    with op.batch_alter_table('accounts') as batch_op:
        batch_op.drop_column('flag_cleared_report')
