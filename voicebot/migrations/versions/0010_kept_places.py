"""kept places: a queue entry keeps a caller's place for a call back (issue 18, item 2)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 09:00:00
"""
from alembic import op
import sqlalchemy as sa
import voicebot.models


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('queue_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kept_at', voicebot.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('kept_number', sa.String(length=32), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('kept_state', sa.String(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('next_try_at', voicebot.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('held_by', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_queue_entries_held_by'), ['held_by'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('queue_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queue_entries_held_by'))
        batch_op.drop_column('held_by')
        batch_op.drop_column('next_try_at')
        batch_op.drop_column('attempts')
        batch_op.drop_column('kept_state')
        batch_op.drop_column('kept_number')
        batch_op.drop_column('kept_at')
