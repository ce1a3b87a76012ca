"""How a callback the callee asked for reads in the chat (services/calls/callbacks.py): in the
outcome of a single call, with a Call back button, and in a campaign's progress message, each time
said in the callee's own time (their number's zone) and in the customer's. Pure."""

from __future__ import annotations

from google.protobuf.timestamp_pb2 import Timestamp
from phonenumbers import NumberParseException

from services.bot.formatting import local_time
from services.bot.i18n import Words
from services.calls.phone_numbers import timezones_of
from speechcue.calls.v1 import calls_pb2


def their_zone(number: str, fallback: str) -> str:
    """The callee's timezone (their number's first; the customer's when the number names none)."""
    try:
        zones = timezones_of(number)
    except NumberParseException:
        zones = ()
    return zones[0] if zones else fallback


def callback_asked_line(words: Words, number: str, at: Timestamp | None, timezone: str) -> str:
    """"📞 The callee asked to be called back: around 10:00 AM their time (…for you)."; a request with no
    time in the callee's calling hours says so."""
    if at is None or (at.seconds == 0 and at.nanos == 0):
        return words("callback.asked_no_time")
    return words("callback.asked", theirs=local_time(at, their_zone(number, timezone), words.language,
                                                      with_date=False),
                 yours=local_time(at, timezone, words.language))


def callbacks_waiting_line(words: Words, waiting: calls_pb2.CampaignWaiting, timezone: str) -> str:
    """"📞 1 callback at 10:00 AM their time (…for you)."; the next one of several."""
    next_at = waiting.callback_next
    return words.plural("campaign.waiting.callbacks", waiting.callbacks,
                        theirs=local_time(next_at.at, next_at.zone or timezone, words.language, with_date=False),
                        yours=local_time(next_at.at, timezone, words.language))
