"""A campaign's list as the customer types it in the chat, made into the one-callee-a-line text the
calls service reads (services/calls/call_lists.py). Pure; uploaded files are not touched here.

Why: the list question invites "one per line (or comma-separated)", but the calls service reads a
headerless line's comma as the start of a name column, so three numbers typed on one line became
one callee named after the other two. A person reads such a line by what its fields are: when every
comma- or semicolon-separated field is a phone number (`read_phone_number`, the bot's one reader),
the line lists several callees; a header row, or a number followed by a name or other values, is
columns, and is passed on as typed.
"""

from __future__ import annotations

import re

from services.bot.destination_check import read_phone_number

_FIELD_SEPARATORS = re.compile(r"[,;]")


def _fields(line: str) -> list[str]:
    return [field.strip() for field in _FIELD_SEPARATORS.split(line) if field.strip()]


def _is_number(field: str, country: str) -> bool:
    return bool(read_phone_number(field, country=country).number)


def numbers_on_line(line: str, *, country: str = "") -> tuple[str, ...] | None:
    """The callees a typed line lists when it holds two or more phone numbers and nothing else, each
    as typed; None when it is one callee (a number alone, or with its name and other columns) or
    anything else. Worked examples:
    "+14155550100, +14155550101" → ("+14155550100", "+14155550101");
    "+14155550100;+14155550101," → the two (semicolons too; an empty field, as a trailing comma leaves, is no field);
    "+14155550100, Ada" → None (a number and its name); "phone, name" → None (a header);
    "+14155550100," → None (one number); "(415) 555-0100, 415 555 0101" with country "US" → the two."""
    fields = _fields(line)
    if len(fields) < 2:
        return None
    # Last field first: on a "number, name" line the name is refused at once, the number never parsed.
    if all(_is_number(field, country) for field in reversed(fields)):
        return tuple(fields)
    return None


def one_callee_per_line(text: str, *, country: str = "") -> str:
    """`text` with each line of several numbers split into one line per number; every other line as
    typed. A list that starts with a header row (columns, none of them a number) is a CSV typed in the
    chat: its lines are columns under that header and are all left as typed."""
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if len(_fields(first)) >= 2 and not any(_is_number(field, country) for field in _fields(first)):
        return text
    out: list[str] = []
    for line in lines:
        numbers = numbers_on_line(line, country=country)
        out.extend(numbers if numbers is not None else (line,))
    return "\n".join(out)
