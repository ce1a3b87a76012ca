"""The forecast's lines on a campaign's confirm screen (the calls service's campaign_forecast.py):
how many callees are likely to answer with the retry rules, and the list's likely cost, said as an
estimate and with what it rests on (the platform's recent answer rates, or typical ones)."""

from __future__ import annotations

from services.bot.i18n import Words
from speechcue.calls.v1 import calls_pb2


def forecast_lines(words: Words, quote: calls_pb2.CampaignQuote) -> list[str]:
    """The forecast's lines; none for an empty list."""
    if quote.callees <= 0:
        return []
    lines = [words.plural("campaign.forecast.reach", quote.expected_answered,
                          callees=quote.callees, percent=quote.expected_answer_percent),
             words("campaign.forecast.cost", low=words.money(quote.likely_low_cents),
                   high=words.money(quote.likely_high_cents))]
    lines.append(words("campaign.forecast.from_history") if quote.forecast_from_history
                 else words("campaign.forecast.from_defaults"))
    return lines
