"""Admin review and customer suspension: the review queue is read oldest-waiting first, by
(updated_at, id), page after page (services/calls/review_queue.py).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX IF NOT EXISTS flows_review_queue ON flows (updated_at, id) "
               "WHERE status = 'pending_review' AND deleted_at IS NULL")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS flows_review_queue")
