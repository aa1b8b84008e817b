"""the job engine (issue 16): Procrastinate's schema on PostgreSQL; the job lease and the
callbacks' claim deadline retired (the clock lock and the engine's heartbeats do their work)

Procrastinate's schema is the file shipped with the pinned version (pyproject.toml pins the
minor version): an upgrade of Procrastinate comes with a migration that applies the files in
its sql/migrations folder, as its documentation asks of projects with their own migrations.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 05:50:00
"""
from importlib import resources

from alembic import op
import sqlalchemy as sa
import voicebot.models


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def _run(sql: str) -> None:
    """Straight to the driver with no parameters, so the % and : in Procrastinate's functions
    are left alone; on the migration's own connection, so in its transaction."""
    raw = op.get_bind().connection.dbapi_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        cursor.execute(sql)
    finally:
        cursor.close()


def upgrade() -> None:
    op.drop_table('worker_leases')
    # A callback claimed under the lease and cut off: the claim no longer outlives its
    # transaction, so nothing else would ever run it again.
    op.execute("UPDATE callbacks SET status = 'scheduled' WHERE status = 'running'")
    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.drop_column('lease_until')
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        schema = (resources.files('procrastinate.sql') / 'schema.sql').read_text(encoding='utf-8')
        _run(schema)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        _run("""
            DO $$ DECLARE r record; BEGIN
              FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema()
                       AND tablename LIKE 'procrastinate%' LOOP
                EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', r.tablename); END LOOP;
              FOR r IN SELECT p.oid::regprocedure AS f FROM pg_proc p
                       JOIN pg_namespace n ON n.oid = p.pronamespace
                       WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate%' LOOP
                EXECUTE format('DROP FUNCTION IF EXISTS %s CASCADE', r.f); END LOOP;
              FOR r IN SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                       WHERE n.nspname = current_schema() AND t.typname LIKE 'procrastinate%'
                       AND t.typtype IN ('e', 'c') LOOP
                EXECUTE format('DROP TYPE IF EXISTS %I CASCADE', r.typname); END LOOP;
            END $$""")
    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_until', voicebot.models.UTCDateTime(timezone=True),
                                      nullable=True))
    op.create_table('worker_leases',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('holder', sa.String(length=200), nullable=False),
    sa.Column('acquired_at', voicebot.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('renewed_at', voicebot.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', voicebot.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
