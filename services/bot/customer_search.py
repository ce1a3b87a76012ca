"""Finding a customer for an admin: by Telegram id, by customer id, or by the start of their name
(case-insensitive; `telegram_users_by_name` serves it), from the bot's users table."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from services.bot.tables import telegram_users
from services.bot.users import TelegramUser, _user
from services.runtime.database import UnitOfWork

MAX_FOUND = 10


def _like_prefix(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"


async def find_customers(uow: UnitOfWork, text: str) -> list[TelegramUser]:
    """Everyone the text names, exact ids first, then names starting with it, by name."""
    text = text.strip()[:64]
    if not text:
        return []
    conditions = [telegram_users.c.customer_id == text,
                  func.lower(telegram_users.c.name).like(_like_prefix(text), escape="\\")]
    if text.isdigit() and len(text) <= 18:
        conditions.append(telegram_users.c.telegram_user_id == int(text))
    rows = (await uow.connection.execute(select(telegram_users).where(or_(*conditions))
                                         .order_by(telegram_users.c.name, telegram_users.c.telegram_user_id)
                                         .limit(MAX_FOUND))).all()
    found = [_user(row) for row in rows]
    exact = [user for user in found if text in (user.customer_id, str(user.telegram_user_id))]
    return exact or found


async def users_of_customers(uow: UnitOfWork, customer_ids: list[str]) -> dict[str, TelegramUser]:
    if not customer_ids:
        return {}
    rows = (await uow.connection.execute(select(telegram_users).where(
        telegram_users.c.customer_id.in_(customer_ids)))).all()
    return {row.customer_id: _user(row) for row in rows}
