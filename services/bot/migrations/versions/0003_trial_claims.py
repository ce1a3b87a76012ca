"""Trial claims, granted or held by the device-farm screening.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from alembic import op

from services.bot.tables import metadata, trial_claims

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    metadata.create_all(op.get_bind(), tables=[trial_claims])
    op.create_index("trial_claims_recent", "trial_claims", ["claimed_at"])


def downgrade() -> None:
    trial_claims.drop(op.get_bind(), checkfirst=True)
