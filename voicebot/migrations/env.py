"""Alembic environment: the URL comes from voicebot's settings, the schema from its models."""

from alembic import context
from sqlalchemy import create_engine

from voicebot.models import Base, ours

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True, include_name=ours)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        # Batch mode lets ALTER TABLE work on SQLite.
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=True, include_name=ours)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
