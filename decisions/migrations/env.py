"""Alembic's environment for the store: migrations run on the engine the caller hands over.

`decisions.database.upgrade` and `downgrade` pass the engine in ``config.attributes``; there is no
alembic.ini and no URL here, so the service, the command line and the tests migrate the same way.
"""

from alembic import context

from decisions.database import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    # Batch mode: SQLite cannot ALTER most constraints, Alembic copies the table instead.
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    context.run_migrations()
