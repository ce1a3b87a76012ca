"""Telegram users, conversations, handled updates, the outgoing message queue and reminders.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from alembic import op

from services.bot.tables import (
    conversations,
    handled_updates,
    message_refs,
    metadata,
    outgoing_messages,
    reminders,
    telegram_users,
)
from services.runtime.runtime_tables import create_runtime_tables, drop_runtime_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

FIRST_TABLES = [telegram_users, conversations, handled_updates, outgoing_messages, message_refs, reminders]


def upgrade() -> None:
    bind = op.get_bind()
    create_runtime_tables(bind)
    metadata.create_all(bind, tables=FIRST_TABLES)
    op.create_index("outgoing_pending", "outgoing_messages", ["next_attempt_at", "id"],
                    postgresql_where="status = 'pending'")
    op.create_index("outgoing_by_chat", "outgoing_messages", ["chat_id", "id"],
                    postgresql_where="status = 'pending'")
    op.create_index("reminders_unsent", "reminders", ["due_at"], postgresql_where="sent_at IS NULL")


def downgrade() -> None:
    bind = op.get_bind()
    metadata.drop_all(bind, tables=FIRST_TABLES)
    drop_runtime_tables(bind)
