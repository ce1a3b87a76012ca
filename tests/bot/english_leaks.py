"""English left in a 中文 or हिन्दी chat: the check every bot journey runs on its way out.

The catalogue test (`test_catalogues.py`) proves that each catalogue is translated; it cannot see a
sentence the code builds outside the catalogues (an f-string, a provider's code, a reason a service
sends in English, an admin message sent in English whatever the admin's language). This check reads
what the bot actually sent: every text, caption and button label of every Bot API call to a chat
whose language is Chinese or Hindi, and finds Latin-letter words in it that are neither technical
tokens nor data a person supplied (what anyone in the test typed or uploaded: a name, a flow's
words, an admin's reason are shown as typed, in whatever script they were typed).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from google.protobuf.message import Message

# Tokens a Chinese or Hindi screen may keep: the brand, formats, examples, currency and coin codes.
ALLOWED_TOKENS = ("America/New_York", "Europe/Berlin", "Speechcue", "/start", "/menu", "/help", "/cancel", "cus_",
                  "YYYY", "IVR", "CSV", "TXT", "MP3", "WAV", "Retell", "Telegram", "DynoPay",
                  # The language picker names each language in its own words.
                  "English", "Français")
NON_WORDS = (
    re.compile(r"https?://\S+"),            # links (invoices, recordings)
    re.compile(r"\b[A-Z][A-Za-z]+/[A-Za-z_/+-]+\b"),  # IANA timezone names (Asia/Kolkata)
    re.compile(r"\b[A-Z0-9_]{2,}\b"),       # codes and acronyms: USDT, TRC20, UTC, GMT
    re.compile(r"\bcus_[0-9a-f]+\b"),       # customer ids
    re.compile(r"\b(?=\w*\d)\w{16,}\b"),     # wallet addresses, transaction and call ids
    re.compile(r"\b[0-9a-f]{8}-[0-9a-f-]{27}\b"),  # uuids
)
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
CHECKED_LANGUAGES = ("zh", "hi")
TEXT_METHODS = ("sendMessage", "editMessageText", "sendPhoto", "sendDocument", "sendAudio", "editMessageCaption",
                "answerCallbackQuery", "editMessageReplyMarkup")


def strings_in(message: Message) -> list[str]:
    """Every string a protobuf message holds (a flow's names and words), however deeply nested."""
    found: list[str] = []
    for _, value in message.ListFields():
        for item in [value] if isinstance(value, str | bytes | int | float | Message) else list(value):
            if isinstance(item, str):
                found.append(item)
            elif isinstance(item, Message):
                found.extend(strings_in(item))
    return found


def shown_texts(params: Mapping[str, Any]) -> list[str]:
    """Everything a person reads from one Bot API call: text, caption, toast and button labels."""
    texts = [str(params[key]) for key in ("text", "caption") if params.get(key)]
    markup = params.get("reply_markup") or {}
    if isinstance(markup, str):
        markup = json.loads(markup)
    for row in markup.get("inline_keyboard", []) if isinstance(markup, dict) else []:
        texts.extend(str(button.get("text", "")) for button in row)
    return texts


def english_words(text: str, supplied: Iterable[str]) -> list[str]:
    """The Latin-letter words of `text` that are neither allowed tokens nor in supplied data."""
    for pattern in NON_WORDS:
        text = pattern.sub(" ", text)
    for data in sorted(supplied, key=len, reverse=True):
        if data.strip():
            text = text.replace(data.strip(), " ")
    for token in ALLOWED_TOKENS:
        text = text.replace(token, " ")
    supplied_words = {word.lower() for data in supplied for word in LATIN_WORD.findall(data)}
    return [word for word in LATIN_WORD.findall(text) if word.lower() not in supplied_words]


def leaks(calls: Iterable[tuple[str, Mapping[str, Any]]], supplied: Iterable[str]) -> list[str]:
    """`method: text` for every shown text with English words left in it."""
    supplied = list(supplied)
    found = []
    for method, params in calls:
        if method not in TEXT_METHODS:
            continue
        for text in shown_texts(params):
            if words := english_words(text, supplied):
                at = text.find(words[0])
                found.append(f"{method}: {words} in …{text[max(0, at - 60):at + 100]!r}…")
    return found
