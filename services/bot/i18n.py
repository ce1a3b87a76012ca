"""The bot's words in English, 中文, Français and हिन्दी, from gettext catalogues read with Babel.

Every user-visible string is a message id such as `menu.title` looked up in
`services/bot/locales/<language>/LC_MESSAGES/bot.po`; code holds ids, never sentences. English is
the source catalogue and the fallback for an id another catalogue lacks (a test keeps them complete).
Values are filled with `str.format` names: `{balance}`.

A count is worded with the language's own plural forms: an entry with `msgid_plural` (its forms in
`msgstr[0]`, `msgstr[1]`…, as many as the catalogue's `Plural-Forms` header says) is read by
`words.plural("count.steps", 2)` → "2 steps"; the header's rule picks the form (English 1 → "step",
French 0 and 1 → "étape", Chinese one form for every count).
"""

from __future__ import annotations

import gettext
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

from services.bot.formatting import local_money

log = logging.getLogger(__name__)

LOCALES = Path(__file__).resolve().parent / "locales"
DEFAULT_LANGUAGE = "en"
# Shown in each language's own name, the way the language picker offers them.
LANGUAGES: Mapping[str, str] = {"en": "English", "zh": "中文", "fr": "Français", "hi": "हिन्दी"}


@dataclass(frozen=True)
class PluralCatalogue:
    """A language's plural entries: each id's forms in the catalogue's order, and the rule (from the
    `Plural-Forms` header) that picks a form's index for a count."""

    forms: Mapping[str, tuple[str, ...]]
    count_of_forms: int
    rule: Callable[[int], int]


@cache
def _parsed(language: str) -> tuple[Mapping[str, str], PluralCatalogue]:
    path = LOCALES / language / "LC_MESSAGES" / "bot.po"
    with path.open("rb") as source:
        parsed = read_po(source, locale=language if language != "zh" else "zh_Hans")
    singular = {str(message.id): str(message.string) for message in parsed
                if message.id and not message.pluralizable and message.string}
    forms = {str(message.id[0]): tuple(str(form) for form in message.string) for message in parsed
             if message.pluralizable and isinstance(message.string, tuple | list) and any(message.string)}
    return singular, PluralCatalogue(forms, parsed.num_plurals, gettext.c2py(parsed.plural_expr))


def catalogue(language: str) -> Mapping[str, str]:
    """The language's translated messages by id (empty translations and plural entries left out)."""
    return _parsed(language)[0]


def plural_catalogue(language: str) -> PluralCatalogue:
    """The language's plural entries (`msgid_plural`) and the rule that chooses among their forms."""
    return _parsed(language)[1]


class Words:
    """The words of one language: `words("menu.title", name="Ada")`."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        self._own = catalogue(self.language)
        self._fallback = catalogue(DEFAULT_LANGUAGE)
        self._own_plurals = plural_catalogue(self.language)
        self._fallback_plurals = plural_catalogue(DEFAULT_LANGUAGE)

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

    def plural(self, message_id: str, count: int, **values: object) -> str:
        """A count in words, in the form this language uses for it: `plural("count.steps", 1)` →
        "1 step", `plural("count.steps", 2)` → "2 steps"; `{count}` and any other `values` are filled."""
        for plurals in (self._own_plurals, self._fallback_plurals):
            forms = plurals.forms.get(message_id)
            if forms:
                index = plurals.rule(abs(count))
                template = forms[index] if 0 <= index < len(forms) and forms[index] else forms[-1]
                try:
                    return template.format(count=count, **values)
                except (KeyError, IndexError, ValueError):
                    log.error("plural message %s in %s does not fit its values", message_id, self.language)
        log.error("plural message id %s is in no catalogue", message_id)
        return f"{count}"

    def money(self, cents: int) -> str:
        """An amount in this language's format: `$1,050.50`, `1 050,50 $US`, `US$1,050.50`."""
        return local_money(cents, self.language)

    def name_of(self, message_id: str, default: str) -> str:
        """Words for data that has its own name elsewhere (a plan's name in the wallet): the
        catalogue's when it has one, so a Chinese chat shows no English, else the data's own."""
        return self._own.get(message_id) or self._fallback.get(message_id) or default


def words_for(language: str) -> Words:
    return Words(language)
