"""Campaigns that explain themselves: why a callee waits (its calling hours, or a retry), and pause
reasons stored as codes the bot words in the customer's language (they were English sentences).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# The sentences campaigns were paused with before, and the code each now has.
SENTENCES = (
    ("paused by you", "PAUSED_BY_CUSTOMER"),
    ("calling is suspended for this account", "CUSTOMER_SUSPENDED"),
    ("unpaid overage must be paid first%", "CUSTOMER_IN_DEBT"),
    ("this flow transfers calls and your plan%", "PLAN_HAS_NO_TRANSFER"),
    ("your plan covers the minutes but the balance does not cover the recording fee%", "RECORDING_FEE_NOT_COVERED"),
    ("your balance and plan minutes do not cover a call%", "INSUFFICIENT_FUNDS"),
)


def upgrade() -> None:
    # IF NOT EXISTS: migration 0002 creates the table from today's metadata, which has the column.
    op.execute("ALTER TABLE campaign_callees ADD COLUMN IF NOT EXISTS wait_reason TEXT NOT NULL DEFAULT ''")
    for sentence, code in SENTENCES:
        op.execute(sa.text("UPDATE campaigns SET pause_reason = :code WHERE pause_reason LIKE :sentence")
                   .bindparams(code=code, sentence=sentence))


def downgrade() -> None:
    op.execute("ALTER TABLE campaign_callees DROP COLUMN IF EXISTS wait_reason")
