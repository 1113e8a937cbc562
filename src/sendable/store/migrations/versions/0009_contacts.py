"""Finding people: discoverability, contact sync, phones, and contact hashes

- accounts gain `discoverable` (default true), `sync_contacts` (default false),
  `display_name`, `phone` (E.164) and `phone_verified`.
- `server_secrets` keeps the contact key (unless a file holds it).
- `contact_addresses`: each account's own verified email and phone, as keyed
  hashes; `contacts`: the keyed hashes of each account's uploaded list. No
  uploaded address or number is ever stored as itself.
- `phone_codes`: codes sent to a phone being verified (argon2 hashes).

Revision ID: 0009_contacts
Revises: 0008_groups
"""

import sqlalchemy as sa
from alembic import op

revision = '0009_contacts'
down_revision = '0008_groups'
branch_labels = None
depends_on = None

Time = sa.Float(precision=53)


def upgrade() -> None:
    with op.batch_alter_table('accounts') as batch:
        batch.add_column(sa.Column('discoverable', sa.Boolean(), nullable=False,
                                   server_default=sa.true()))
        batch.add_column(sa.Column('sync_contacts', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column('display_name', sa.String(64)))
        batch.add_column(sa.Column('phone', sa.String(20)))
        batch.add_column(sa.Column('phone_verified', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    op.create_table(
        'server_secrets',
        sa.Column('name', sa.String(32), nullable=False),
        sa.Column('value', sa.String(128), nullable=False),
        sa.Column('created_at', Time, nullable=False),
        sa.PrimaryKeyConstraint('name', name='pk_server_secrets'),
    )
    op.create_table(
        'contact_addresses',
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(8), nullable=False),
        sa.Column('hash', sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'],
                                name='fk_contact_addresses_account_id_accounts'),
        sa.PrimaryKeyConstraint('account_id', 'kind', name='pk_contact_addresses'),
    )
    op.create_index('ix_contact_addresses_hash', 'contact_addresses', ['hash'])
    op.create_table(
        'contacts',
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('hash', sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['accounts.id'],
                                name='fk_contacts_owner_id_accounts'),
        sa.PrimaryKeyConstraint('owner_id', 'hash', name='pk_contacts'),
    )
    op.create_index('ix_contacts_hash', 'contacts', ['hash'])
    op.create_table(
        'phone_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(128), nullable=False),
        sa.Column('created_at', Time, nullable=False),
        sa.Column('expires_at', Time, nullable=False),
        sa.Column('used_at', Time),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'],
                                name='fk_phone_codes_account_id_accounts'),
        sa.PrimaryKeyConstraint('id', name='pk_phone_codes'),
    )
    op.create_index('ix_phone_codes_account_id', 'phone_codes', ['account_id'])


def downgrade() -> None:
    op.drop_index('ix_phone_codes_account_id', table_name='phone_codes')
    op.drop_table('phone_codes')
    op.drop_index('ix_contacts_hash', table_name='contacts')
    op.drop_table('contacts')
    op.drop_index('ix_contact_addresses_hash', table_name='contact_addresses')
    op.drop_table('contact_addresses')
    op.drop_table('server_secrets')
    with op.batch_alter_table('accounts') as batch:
        for column in ('phone_verified', 'phone', 'display_name', 'sync_contacts',
                       'discoverable'):
            batch.drop_column(column)
