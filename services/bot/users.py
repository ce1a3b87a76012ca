"""Telegram users and the customers they are."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert

from services.bot.tables import telegram_users
from services.runtime.database import UnitOfWork


@dataclass(frozen=True)
class TelegramUser:
    telegram_user_id: int
    chat_id: int
    customer_id: str
    name: str
    language: str
    timezone: str
    terms_accepted_at: datetime | None
    trial_offered: bool

    @property
    def onboarded(self) -> bool:
        return self.terms_accepted_at is not None and bool(self.name)


def _user(row: Any) -> TelegramUser:
    return TelegramUser(**{name: getattr(row, name) for name in TelegramUser.__dataclass_fields__})


async def find_user(uow: UnitOfWork, telegram_user_id: int) -> TelegramUser | None:
    row = (await uow.connection.execute(
        select(telegram_users).where(telegram_users.c.telegram_user_id == telegram_user_id))).first()
    return _user(row) if row is not None else None


async def find_user_by_customer(uow: UnitOfWork, customer_id: str) -> TelegramUser | None:
    row = (await uow.connection.execute(
        select(telegram_users).where(telegram_users.c.customer_id == customer_id))).first()
    return _user(row) if row is not None else None


async def register_user(uow: UnitOfWork, telegram_user_id: int, chat_id: int, language: str) -> TelegramUser:
    """The user as first seen; the customer id is minted here, once."""
    await uow.connection.execute(insert(telegram_users).values(
        telegram_user_id=telegram_user_id, chat_id=chat_id, customer_id=f"cus_{uuid.uuid4().hex[:20]}",
        language=language).on_conflict_do_nothing(index_elements=["telegram_user_id"]))
    user = await find_user(uow, telegram_user_id)
    assert user is not None
    return user


async def change_user(uow: UnitOfWork, telegram_user_id: int, **values: Any) -> TelegramUser:
    await uow.connection.execute(update(telegram_users).where(
        telegram_users.c.telegram_user_id == telegram_user_id).values(**values))
    user = await find_user(uow, telegram_user_id)
    assert user is not None
    return user


async def count_users(uow: UnitOfWork) -> int:
    return int((await uow.connection.execute(select(func.count()).select_from(telegram_users))).scalar_one())
