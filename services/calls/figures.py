"""The calling side of the platform for admins (GetCallFigures): one statement, one snapshot."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import text

from services.runtime.database import UnitOfWork
from speechcue.calls.v1 import calls_pb2

_FIGURES = text("""
SELECT
  (SELECT count(*) FROM calls WHERE created_at >= :since) AS calls,
  (SELECT count(*) FROM calls WHERE created_at >= :since AND status = 'ended' AND duration_seconds > 0) AS answered,
  (SELECT count(*) FROM calls WHERE created_at >= :since AND status = 'failed') AS failed,
  (SELECT count(*) FROM calls WHERE status IN ('ringing', 'ongoing')) AS in_flight,
  (SELECT count(*) FROM calls WHERE status = 'queued' AND waiting_for_line_since IS NOT NULL) AS waiting_for_line,
  (SELECT count(*) FROM flows WHERE status = 'pending_review' AND deleted_at IS NULL) AS flows_waiting_for_review,
  (SELECT count(*) FROM campaigns WHERE status = 'running') AS campaigns_running,
  (SELECT count(*) FROM calls WHERE created_at >= :since AND opted_out) AS opted_out
""")


async def call_figures(uow: UnitOfWork, *, now: datetime) -> calls_pb2.CallFigures:
    row = (await uow.connection.execute(_FIGURES, {"since": now - timedelta(hours=24)})).one()
    return calls_pb2.CallFigures(**row._mapping)
