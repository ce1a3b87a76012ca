"""The admin audit log, and finding a customer by the start of their name.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from alembic import op

from services.bot.tables import admin_actions, metadata

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    metadata.create_all(bind, tables=[admin_actions])
    op.create_index("admin_actions_by_customer", "admin_actions", ["customer_id", "id"])
    op.execute("CREATE INDEX IF NOT EXISTS telegram_users_by_name ON telegram_users (lower(name) text_pattern_ops)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS telegram_users_by_name")
    metadata.drop_all(op.get_bind(), tables=[admin_actions])
