"""indexes for the desk: one caller's history and the hand-off lists stay index reads

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 03:40:00
"""
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

INDEXES = [
    ("calls", "to_number"),       # a number search finds the calls we made to it
    ("messages", "from_number"),  # ... and the SMS it sent us
    ("messages", "created_at"),   # the hand-off's SMS since a time
    ("voicemails", "created_at"),  # the hand-off's voicemails since a time
    ("voicemails", "from_number"),  # ... and the ones a caller left
    ("tickets", "status"),        # open tickets among the closed ones
]


def upgrade() -> None:
    for table, column in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def downgrade() -> None:
    for table, column in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
