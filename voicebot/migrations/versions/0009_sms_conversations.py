"""sms conversations: a caller's texts with a line as staff work on them, and who on the desk
typed an SMS (issue 18 item 5)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 08:40:00
"""
from alembic import op
import sqlalchemy as sa
import voicebot.models


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('conversations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=80), nullable=False),
    sa.Column('flow_id', sa.String(length=64), nullable=False),
    sa.Column('line', sa.String(length=32), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('unread', sa.Integer(), nullable=False),
    sa.Column('last_in_at', voicebot.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('opted_out_at', voicebot.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('done_by', sa.String(length=64), nullable=False),
    sa.Column('done_at', voicebot.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', voicebot.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', voicebot.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dedupe_key')
    )
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.create_index('ix_conversations_status_last_in', ['status', 'last_in_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_conversations_flow_id'), ['flow_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_conversations_phone'), ['phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_conversations_ticket_id'), ['ticket_id'], unique=False)
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sent_by', sa.String(length=64), nullable=False,
                                      server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('sent_by')
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conversations_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_conversations_phone'))
        batch_op.drop_index(batch_op.f('ix_conversations_flow_id'))
        batch_op.drop_index('ix_conversations_status_last_in')
    op.drop_table('conversations')
