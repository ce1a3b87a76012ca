"""Retries by outcome and voicemail as an outcome (issue 18, items 1 and 3): a campaign keeps one retry
rule per outcome (`campaigns.retry_rules`, null for older campaigns, whose single policy stands for
every outcome), and each callee the call its status was last decided from (`last_call_id`), so a
voicemail Retell reports late changes the callee once, and only while it still stands there. A
database created from 0001 since then has both columns already.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE campaigns ADD COLUMN IF NOT EXISTS retry_rules jsonb")
    op.execute("ALTER TABLE campaign_callees ADD COLUMN IF NOT EXISTS last_call_id text")


def downgrade() -> None:
    op.execute("ALTER TABLE campaign_callees DROP COLUMN IF EXISTS last_call_id")
    op.execute("ALTER TABLE campaigns DROP COLUMN IF EXISTS retry_rules")
