"""The bot's words in English, 中文, Français and हिन्दी, from gettext catalogues read with Babel.

Every user-visible string is a message id such as `menu.title` looked up in
`services/bot/locales/<language>/LC_MESSAGES/bot.po`; code holds ids, never sentences. English is
the source catalogue and the fallback for an id another catalogue lacks (a test keeps them complete).
Values are filled with `str.format` names: `{balance}`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

from services.bot.formatting import local_money

log = logging.getLogger(__name__)

LOCALES = Path(__file__).resolve().parent / "locales"
DEFAULT_LANGUAGE = "en"
# Shown in each language's own name, the way the language picker offers them.
LANGUAGES: Mapping[str, str] = {"en": "English", "zh": "中文", "fr": "Français", "hi": "हिन्दी"}


@cache
def catalogue(language: str) -> Mapping[str, str]:
    """The language's translated messages by id (empty translations left out)."""
    path = LOCALES / language / "LC_MESSAGES" / "bot.po"
    with path.open("rb") as source:
        parsed = read_po(source, locale=language if language != "zh" else "zh_Hans")
    return {str(message.id): str(message.string) for message in parsed if message.id and message.string}


class Words:
    """The words of one language: `words("menu.title", name="Ada")`."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        self._own = catalogue(self.language)
        self._fallback = catalogue(DEFAULT_LANGUAGE)

    def __call__(self, message_id: str, **values: object) -> str:
        template = self._own.get(message_id) or self._fallback.get(message_id)
        if template is None:
            log.error("message id %s is in no catalogue", message_id)
            return message_id
        if not values:
            return template
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):
            log.error("message %s in %s does not fit its values", message_id, self.language)
            return self._fallback.get(message_id, message_id).format(**values)


    def money(self, cents: int) -> str:
        """An amount in this language's format: `$1,050.50`, `1 050,50 $US`, `US$1,050.50`."""
        return local_money(cents, self.language)

    def name_of(self, message_id: str, default: str) -> str:
        """Words for data that has its own name elsewhere (a plan's name in the wallet): the
        catalogue's when it has one, so a Chinese chat shows no English, else the data's own."""
        return self._own.get(message_id) or self._fallback.get(message_id) or default


def words_for(language: str) -> Words:
    return Words(language)
