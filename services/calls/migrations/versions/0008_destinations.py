"""Destinations: what each caller ID can reach. Retell's phone_number_type (its own numbers call US
numbers only) and allowed_outbound_country_list, learnt at the next caller-ID sync
(services/calls/destinations.py).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # IF NOT EXISTS: revision 0001 creates `caller_ids` from today's table definition, which has the
    # columns already. "" (not yet synced) is read as a Retell number, the narrower reach.
    op.execute("ALTER TABLE caller_ids ADD COLUMN IF NOT EXISTS phone_number_type text NOT NULL DEFAULT ''")
    op.execute("ALTER TABLE caller_ids ADD COLUMN IF NOT EXISTS outbound_countries text[] NOT NULL DEFAULT '{}'")


def downgrade() -> None:
    op.drop_column("caller_ids", "outbound_countries")
    op.drop_column("caller_ids", "phone_number_type")
