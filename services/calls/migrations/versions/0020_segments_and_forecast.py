"""Reserved for re-calling a segment and the launch forecast (issue 18, items 6 and 7); no change yet.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03
"""

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
