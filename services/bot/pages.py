"""Paging through a service's keyset pages with buttons. A page token is longer than a button's 64
bytes of callback data, so the conversation keeps the tokens of the pages this chat has seen, and a
button carries only the page number. A button whose token is gone (the conversation was reset)
shows the first page again."""

from __future__ import annotations

from services.bot.conversation import KEPT_ON_RESET, Conversation
from services.bot.i18n import Words
from services.bot.outgoing import Button, button

# Pages remembered per screen: a chat paging further starts again from the first page.
MAX_PAGES = 100


def page_to_show(conversation: Conversation, screen: str, requested: str) -> tuple[int, str]:
    """The page number and the token to ask the service for."""
    tokens = conversation.data.get(_key(screen))
    page = int(requested) if requested.isdigit() else 0
    if page == 0 or not isinstance(tokens, list) or page >= len(tokens):
        return 0, ""
    return page, str(tokens[page])


def paging_buttons(conversation: Conversation, words: Words, screen: str, page: int, next_token: str,
                   *callback_prefix: str) -> list[Button]:
    """Remembers where the next page starts, and the Newer / Older buttons for this page."""
    tokens = conversation.data.get(_key(screen))
    tokens = list(tokens)[:page + 1] if isinstance(tokens, list) and page > 0 else [""]
    if next_token and len(tokens) < MAX_PAGES:
        tokens.append(next_token)
    conversation.data[_key(screen)] = tokens
    buttons = []
    if page > 0:
        buttons.append(button(words("paging.newer"), *callback_prefix, page - 1))
    if page + 1 < len(tokens):
        buttons.append(button(words("paging.older"), *callback_prefix, page + 1))
    return buttons


def _key(screen: str) -> str:
    return f"{KEPT_ON_RESET}{screen}"
