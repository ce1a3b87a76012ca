"""Daily caps: the distinct lists each customer imported per UTC day.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from alembic import op

from services.calls.tables import list_imports, metadata

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    metadata.create_all(op.get_bind(), tables=[list_imports])


def downgrade() -> None:
    list_imports.drop(op.get_bind(), checkfirst=True)
