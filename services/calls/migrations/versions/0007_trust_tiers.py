"""Customers' trust tiers for the review policy: the admin's override per customer.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from alembic import op

from services.calls.tables import customer_trust, metadata

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # checkfirst: revision 0001 builds every table of today's services/calls/tables.py, this one included.
    metadata.create_all(op.get_bind(), tables=[customer_trust])


def downgrade() -> None:
    op.drop_table("customer_trust")
