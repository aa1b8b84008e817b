"""voicemail e-mails: the outbox of mails to staff; indexes the reports count by (issue 18)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 03:40:00
"""
from alembic import op
import sqlalchemy as sa
import voicebot.models


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('emails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('voicemail_id', sa.Integer(), nullable=True),
    sa.Column('flow_id', sa.String(length=64), nullable=False),
    sa.Column('to', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('next_at', voicebot.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', voicebot.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', voicebot.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', voicebot.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['voicemail_id'], ['voicemails.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dedupe_key')
    )
    with op.batch_alter_table('emails', schema=None) as batch_op:
        batch_op.create_index('ix_emails_status_next', ['status', 'next_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_emails_voicemail_id'), ['voicemail_id'], unique=False)
    # The reports count these by time over a chosen period.
    with op.batch_alter_table('queue_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_queue_entries_enqueued_at'), ['enqueued_at'], unique=False)
    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quotes_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_quotes_decided_at'), ['decided_at'], unique=False)
    with op.batch_alter_table('callback_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_callback_attempts_at'), ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('callback_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_callback_attempts_at'))
    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quotes_decided_at'))
        batch_op.drop_index(batch_op.f('ix_quotes_created_at'))
    with op.batch_alter_table('queue_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queue_entries_enqueued_at'))
    with op.batch_alter_table('emails', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_emails_voicemail_id'))
        batch_op.drop_index('ix_emails_status_next')

    op.drop_table('emails')
