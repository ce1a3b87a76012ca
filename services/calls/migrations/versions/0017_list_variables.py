"""Reserved for a list's columns as call variables (issue 18, item 2); no change yet.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
