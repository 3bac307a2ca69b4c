"""Alembic environment: runs against the connection handed over by ``metastore.store.migrate``."""

from alembic import context

import crawlers.store  # noqa: F401 - the crawler's tables share the catalog's MetaData
from metastore.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
