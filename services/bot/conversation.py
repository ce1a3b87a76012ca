"""Where a chat is in its conversation, kept in the database and locked for the update at hand, so
two replicas never interleave one chat's updates and a restart loses no one's place."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert

from services.bot.tables import conversations
from services.runtime.database import UnitOfWork

# Data under keys starting so survives reset(): the page tokens of lists (services/bot/pages.py).
KEPT_ON_RESET = "pages:"
# A wizard's draft (a flow being built) is bounded so a stuck chat cannot grow without end.
MAX_DATA_KEYS = 64


@dataclass
class Conversation:
    chat_id: int
    state: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def expect(self, state: str, **data: Any) -> None:
        """The next text the person sends answers `state`; `data` is kept alongside."""
        self.state = state
        self.data.update(data)

    def reset(self) -> None:
        """Forgets the answer expected and a wizard's data; keeps the pages seen (pages.py), which
        are where the person is in a list, not part of any wizard."""
        self.state = ""
        self.data = {key: value for key, value in self.data.items() if key.startswith(KEPT_ON_RESET)}


async def lock_conversation(uow: UnitOfWork, chat_id: int) -> Conversation:
    await uow.connection.execute(
        insert(conversations).values(chat_id=chat_id).on_conflict_do_nothing(index_elements=["chat_id"]))
    row = (await uow.connection.execute(
        select(conversations.c.state, conversations.c.data).where(conversations.c.chat_id == chat_id)
        .with_for_update())).one()
    return Conversation(chat_id, row.state, dict(row.data or {}))


async def save_conversation(uow: UnitOfWork, conversation: Conversation) -> None:
    if len(conversation.data) > MAX_DATA_KEYS:
        raise ValueError("conversation data grew past its bound")
    await uow.connection.execute(update(conversations).where(conversations.c.chat_id == conversation.chat_id)
                                 .values(state=conversation.state, data=conversation.data, updated_at=func.now()))
