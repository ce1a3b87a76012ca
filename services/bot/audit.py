"""The admin audit log: every action an admin takes through the bot, recorded in the transaction
that handles the update (with its claim, its conversation and its replies), and read newest first,
a page at a time, by position (the id of the last row shown)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from services.bot.tables import admin_actions
from services.runtime.database import UnitOfWork

# The actions, as the log names them (each has words "audit.action.<name>" in the catalogues).
ACTIONS = ("review_approved", "review_rejected", "suspended", "unsuspended", "refund", "plan_price",
           "caller_id_enabled", "caller_id_disabled", "caller_ids_synced", "do_not_call", "trust_changed",
           "campaign_resumed")
NOTE_LIMIT = 500


@dataclass(frozen=True)
class AdminAction:
    id: int
    at: datetime
    admin_telegram_id: int
    action: str
    customer_id: str
    subject: str
    note: str


async def record_admin_action(uow: UnitOfWork, *, admin_telegram_id: int, action: str, customer_id: str = "",
                              subject: str = "", note: str = "") -> None:
    if action not in ACTIONS:
        raise ValueError(f"unknown admin action {action!r}")
    await uow.connection.execute(insert(admin_actions).values(
        admin_telegram_id=admin_telegram_id, action=action, customer_id=customer_id, subject=subject,
        note=note[:NOTE_LIMIT]))


async def admin_actions_page(uow: UnitOfWork, *, before_id: int | None, limit: int,
                             customer_id: str | None = None) -> list[AdminAction]:
    """Newest first; `before_id` is the id of the last row of the previous page."""
    query = select(admin_actions)
    if before_id is not None:
        query = query.where(admin_actions.c.id < before_id)
    if customer_id is not None:
        query = query.where(admin_actions.c.customer_id == customer_id)
    rows = (await uow.connection.execute(query.order_by(admin_actions.c.id.desc()).limit(limit))).all()
    return [_action(row) for row in rows]


def _action(row: Any) -> AdminAction:
    return AdminAction(**{name: getattr(row, name) for name in AdminAction.__dataclass_fields__})
