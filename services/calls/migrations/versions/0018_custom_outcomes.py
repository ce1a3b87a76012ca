"""Reserved for custom outcome fields per flow and each call's answers (issue 18, item 5); no change yet.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03
"""

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
