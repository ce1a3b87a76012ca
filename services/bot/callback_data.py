"""Button payloads: compact ASCII, at most 64 bytes (Telegram's limit), opaque ids only.

A payload names a screen and its arguments, `flow:view:<flow id>`. It is never trusted: whoever
handles it asks the owning service for the object *as this customer*, so a forged id naming
someone else's flow, call or campaign is refused there (NOT_FOUND).
"""

from __future__ import annotations

MAX_BYTES = 64
SEPARATOR = ":"


# A payload that begins with this mark was on a notification's button (a call's outcome, a campaign's
# progress, a top-up): the screen it opens comes as a new message, so the notification stays in the
# chat. Pressing it where it was forged only costs the person a new message instead of an edit.
FROM_NOTIFICATION = "!"


class BadCallbackData(ValueError):
    pass


def pack(*parts: str | int) -> str:
    text = SEPARATOR.join(str(part) for part in parts)
    if any(SEPARATOR in str(part) for part in parts):
        raise BadCallbackData(f"a callback part contains {SEPARATOR!r}: {parts!r}")
    if not text.isascii() or not text.isprintable() or len(text.encode()) > MAX_BYTES:
        raise BadCallbackData(f"callback data must be printable ASCII within {MAX_BYTES} bytes: {text!r}")
    return text


def unpack(data: str | None) -> list[str]:
    if not data or len(data.encode()) > MAX_BYTES or not data.isascii() or not data.isprintable():
        raise BadCallbackData("unreadable callback data")
    return data.split(SEPARATOR)


def from_notification(data: str) -> str:
    """The payload marked as a notification's; unmarked when the mark would pass Telegram's limit."""
    if data.startswith(FROM_NOTIFICATION) or len(data.encode()) >= MAX_BYTES:
        return data
    return FROM_NOTIFICATION + data
