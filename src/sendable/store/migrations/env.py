"""Alembic environment: runs on the connection the caller hands over."""

from alembic import context

from sendable.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # `alembic` run by hand: use the configured URL
    from sendable.store.engine import connect

    connection = connect(context.config.get_main_option("sqlalchemy.url")).connect()

context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
