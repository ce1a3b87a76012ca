"""The number questions of every screen that takes a callee or a transfer number (a call, a flow's
transfer step): one reader of what the customer typed, and one check with the calls service
(`CheckDestination`), so the same number gets the same answer everywhere and a number no call may go
to is refused at the question, with its reason, while the question stays open."""

from __future__ import annotations

from services.bot.destination_texts import refusal_text
from services.bot.turn import Turn
from speechcue.calls.v1 import calls_pb2


def normalised_number(text: str) -> str | None:
    """'+1 (415) 555-0100' or '0014155550100' → '+14155550100'; None when it is not in international form."""
    number = "".join(character for character in text if character not in " -().")
    if number.startswith("00"):
        number = "+" + number[2:]
    if not number.startswith("+") or not number[1:].isdigit() or not 8 <= len(number) <= 16:
        return None
    return number


async def allowed_destination(turn: Turn, text: str, *, bad_form_text: str) -> str | None:
    """The number in E.164 when calls may go to it; otherwise None, after telling the customer why
    (`bad_form_text` when it is not a number in international form)."""
    number = normalised_number(text)
    if number is None:
        turn.send(turn.words(bad_form_text))
        return None
    check = await turn.services.calls.CheckDestination(calls_pb2.CheckDestinationRequest(
        customer_id=turn.customer_id, number=number), timeout=turn.timeout)
    if not check.allowed:
        turn.send(refusal_text(turn.words, reason=check.reason, number=check.number or number, country=check.country,
                               callable_countries=check.callable_countries))
        return None
    return check.number
