"""Telegram's limits shared by every bot replica: the overall window's send slots and each chat's
last send (services/bot/send_limits.py).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One row per message allowed in Telegram's one-second window; the sender adds the rows it needs.
    op.execute("""
        CREATE TABLE send_slots (
            slot integer PRIMARY KEY,
            used_at timestamptz NOT NULL DEFAULT '-infinity',
            on_the_way boolean NOT NULL DEFAULT false
        )""")
    op.execute("""
        CREATE TABLE chat_sends (
            chat_id bigint PRIMARY KEY,
            sent_at timestamptz NOT NULL
        )""")


def downgrade() -> None:
    op.drop_table("chat_sends")
    op.drop_table("send_slots")
