"""Reserved for callbacks the callee asks for (issue 18, item 4); no change yet.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03
"""

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
