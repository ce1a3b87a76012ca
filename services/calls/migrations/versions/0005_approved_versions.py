"""Flow versions: the approved Retell agent keeps dialling while an edit waits for review.

A flow row keeps its latest version (spec, status, review, Retell objects: what a review decides on)
and gains its approved version (approved_*), the one every call dials. A flow approved today has its
current objects as its approved version; one waiting or rejected today has none. Calls record the
agent they were admitted with and dialled; approved objects a newer version replaced wait in
retired_retell_objects until no live call names them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from alembic import op

from services.calls.tables import metadata, retired_retell_objects

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

FLOW_COLUMNS = (
    ("approved_version", "integer NOT NULL DEFAULT 0"),
    ("approved_spec", "bytea"),
    ("approved_retell_agent_id", "text"),
    ("approved_retell_flow_id", "text"),
    ("approved_retell_llm_id", "text"),
    ("approved_at", "timestamptz"),
)


def upgrade() -> None:
    # IF NOT EXISTS: revision 0001 creates the tables from today's services/calls/tables.py, which
    # has these columns already; databases made before this revision do not.
    for name, kind in FLOW_COLUMNS:
        op.execute(f"ALTER TABLE flows ADD COLUMN IF NOT EXISTS {name} {kind}")
    op.execute("ALTER TABLE calls ADD COLUMN IF NOT EXISTS retell_agent_id text")
    op.execute("UPDATE flows SET approved_version = version, approved_spec = spec, "
               "approved_retell_agent_id = retell_agent_id, approved_retell_flow_id = retell_flow_id, "
               "approved_retell_llm_id = retell_llm_id, approved_at = updated_at "
               "WHERE status = 'approved' AND approved_version = 0")
    # Calls already queued or live were admitted with their flow's only agent.
    op.execute("UPDATE calls SET retell_agent_id = flows.retell_agent_id FROM flows "
               "WHERE calls.flow_id = flows.id AND calls.retell_agent_id IS NULL "
               "AND calls.status IN ('queued', 'ringing', 'ongoing')")
    metadata.create_all(op.get_bind(), tables=[retired_retell_objects])
    op.execute("CREATE INDEX IF NOT EXISTS flows_waiting_for_review ON flows (updated_at) "
               "WHERE status = 'pending_review' AND deleted_at IS NULL")
    op.execute("CREATE INDEX IF NOT EXISTS calls_live_agents ON calls (retell_agent_id) "
               "WHERE status IN ('queued', 'ringing', 'ongoing')")


def downgrade() -> None:
    op.drop_index("calls_live_agents", "calls")
    op.drop_index("flows_waiting_for_review", "flows")
    op.drop_table("retired_retell_objects")
    op.drop_column("calls", "retell_agent_id")
    for name, _ in FLOW_COLUMNS:
        op.drop_column("flows", name)
