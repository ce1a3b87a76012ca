"""How a campaign reads in the chat: its progress message and its final report (CSV and chart),
why it waits or is paused, and what it may cost before it starts.

The three agree because none of them sorts callees itself: the calls service counts every callee into
one report category (services/calls/callee_reports.py) for the progress events, the report's totals
and the CSV's status column, and here each count is shown under the same words (answered, voicemail,
not reached, not called) in the progress message, the campaign's screen and the chart.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.bot.call_texts import plan_words
from services.bot.callback_texts import callbacks_waiting_line
from services.bot.campaign_answers import answers_chart
from services.bot.campaign_outcomes import MISSED, report_in_words
from services.bot.clients import RPC_TIMEOUT_SECONDS, Services
from services.bot.formatting import local_time, progress_bar
from services.bot.i18n import Words
from services.bot.outcome_chart import BAD, GOOD, NEUTRAL, ONGOING, render_outcome_chart_png
from services.bot.outgoing import Outgoing
from services.bot.users import TelegramUser
from speechcue.calls.v1 import calls_pb2
from speechcue.events.v1 import calls_events_pb2


@dataclass(frozen=True)
class CampaignCounts:
    """A campaign's callees by report category, as the calls service counted them."""

    callees: int
    answered: int
    not_reached: int
    not_called: int
    in_flight: int
    waiting: int
    cost_cents: int
    # Done, the last call reached a voicemail (not in not_reached).
    voicemail: int = 0

    @property
    def done(self) -> int:
        return self.answered + self.not_reached + self.voicemail + self.not_called

    @classmethod
    def of_event(cls, event: calls_events_pb2.CampaignChanged) -> CampaignCounts:
        waiting = max(0, event.callees - event.answered - event.failed - event.voicemail - event.not_called
                      - event.in_flight)
        return cls(callees=event.callees, answered=event.answered, not_reached=event.failed,
                   not_called=event.not_called, in_flight=event.in_flight, waiting=waiting,
                   cost_cents=event.cost_cents, voicemail=event.voicemail)

    @classmethod
    def of_totals(cls, totals: calls_pb2.CampaignTotals) -> CampaignCounts:
        return cls(callees=totals.callees, answered=totals.answered, not_reached=totals.failed,
                   not_called=totals.not_called, in_flight=totals.in_flight, waiting=totals.pending,
                   cost_cents=totals.cost_cents, voicemail=totals.voicemail)


def campaign_counts_lines(words: Words, counts: CampaignCounts) -> list[str]:
    """The progress bar, the counts and the cost: the same lines in the progress message and on the
    campaign's screen."""
    return [progress_bar(counts.done, counts.callees),
            words("campaign.progress.counts", done=counts.done, callees=counts.callees, answered=counts.answered,
                  voicemail=counts.voicemail, not_reached=counts.not_reached, not_called=counts.not_called,
                  in_flight=counts.in_flight),
            words("campaign.progress.cost", cost=words.money(counts.cost_cents))]


def campaign_progress_text(words: Words, event: calls_events_pb2.CampaignChanged, timezone: str) -> str:
    lines = [words("campaign.progress.title", name=event.name, status=words(f"campaign.status.{event.status}")),
             *campaign_counts_lines(words, CampaignCounts.of_event(event))]
    if event.callbacks:  # callees who asked to be called back (services/calls/callbacks.py)
        lines.append(words.plural("campaign.progress.callbacks", event.callbacks, waiting=event.callbacks_waiting))
    if event.status == "scheduled":
        lines.append(words("campaign.progress.starts", start=local_time(event.start_at, timezone, words.language)))
    if event.reason:
        lines.append(pause_reason_text(words, event.reason))
    return "\n".join(lines)


async def campaign_progress_message(services: Services, user: TelegramUser, words: Words,
                                    event: calls_events_pb2.CampaignChanged) -> str:
    """The progress message; a running campaign's says why its callees wait (asked of the calls service
    now: the event carries the counts, not the waits)."""
    text = campaign_progress_text(words, event, user.timezone)
    if event.status != "running":
        return text
    campaign = await services.calls.GetCampaign(calls_pb2.GetCampaignRequest(
        customer_id=user.customer_id, campaign_id=event.campaign_id), timeout=RPC_TIMEOUT_SECONDS)
    return "\n".join([text, *waiting_lines(words, campaign.waiting, user.timezone)])


# Why a campaign is paused, by the code the calls service stores: the customer's pause
# (campaigns.PAUSED_BY_CUSTOMER), the kill switch (CUSTOMER_SUSPENDED) and every refusal that pauses a
# campaign instead of failing its callees (dispatcher.PAUSE_REASONS; a test keeps the two lists equal).
PAUSE_REASON_IDS = {
    "PAUSED_BY_CUSTOMER": "campaign.paused.by_you",
    "CUSTOMER_SUSPENDED": "campaign.paused.suspended",
    "INSUFFICIENT_FUNDS": "campaign.paused.funds",
    "CUSTOMER_IN_DEBT": "campaign.paused.debt",
    "RECORDING_FEE_NOT_COVERED": "campaign.paused.recording_fee",
    "NOT_ENOUGH_PLAN_MINUTES": "campaign.paused.plan_minutes",
    "PLAN_HAS_NO_TRANSFER": "campaign.paused.no_transfer",
    "FLOW_NOT_APPROVED": "campaign.paused.flow_not_approved",
    "FLOW_NOT_FOUND": "campaign.paused.flow_gone",
    "FLOW_NEEDS_VARIABLES": "campaign.paused.flow_needs_variables",
}


def pause_reason_text(words: Words, reason: str) -> str:
    """Why the campaign is paused, in the chat's language (a reason stored before codes: said generally)."""
    return words(PAUSE_REASON_IDS.get(reason, "campaign.paused.other"))


def waiting_lines(words: Words, waiting: calls_pb2.CampaignWaiting, timezone: str) -> list[str]:
    """Why callees not called yet wait: their calling hours (the next opening in the callee's own time
    and in the customer's), and retries (the next try, in the customer's time)."""
    lines = []
    if waiting.calling_hours:
        lines.append(words.plural("campaign.waiting.calling_hours", waiting.calling_hours,
                           theirs=local_time(waiting.calling_hours_next, waiting.calling_hours_zone or timezone,
                                             words.language, with_date=False),
                           yours=local_time(waiting.calling_hours_next, timezone, words.language)))
    if waiting.retries:
        lines.append(words.plural("campaign.waiting.retries", waiting.retries,
                           at=local_time(waiting.retry_next, timezone, words.language)))
    if waiting.callbacks:  # the callbacks callees asked for (callback_texts.py)
        lines.append(callbacks_waiting_line(words, waiting, timezone))
    return lines


# The admission refusals a campaign's first call can meet besides money (said with the minutes).
QUOTE_REFUSAL_IDS = {"CUSTOMER_IN_DEBT": "error.CUSTOMER_IN_DEBT", "PLAN_HAS_NO_TRANSFER": "error.PLAN_HAS_NO_TRANSFER",
                     "RECORDING_FEE_NOT_COVERED": "error.RECORDING_FEE_NOT_COVERED"}


def estimate_lines(words: Words, quote: calls_pb2.CampaignQuote) -> list[str]:
    """What the list may cost at most, the price and the plan's minutes, and whether the plan and the
    balance cover the first calls (the calls service's admission rule, services/calls/campaign_estimate.py)."""
    per_minute = words.money(quote.price_per_minute_cents)
    lines = [words("campaign.estimate", calls=words.plural("count.calls", quote.callees),
                   minutes=quote.minutes_per_call, per_minute=per_minute, total=words.money(quote.estimate_cents),
                   call=words.money(quote.call_cost_cents))]
    if quote.plan_code:
        lines.append(words("campaign.estimate_plan", plan=plan_words(words, quote.plan_code, quote.plan_name),
                           minutes=quote.plan_minutes))
    if quote.blocked_reason in QUOTE_REFUSAL_IDS:
        lines.append(words(QUOTE_REFUSAL_IDS[quote.blocked_reason]))
    elif not quote.calls_covered:
        lines.append(words("campaign.covered_none", minutes=quote.minutes_per_call))
    elif quote.calls_covered < quote.first_calls:
        lines.append(words("campaign.covered_some", covered=quote.calls_covered,
                           calls=words.plural("count.calls", quote.first_calls)))
    else:
        lines.append(words.plural("campaign.covered_all", quote.first_calls))
    return lines


def quote_falls_short(quote: calls_pb2.CampaignQuote) -> bool:
    """The first calls are not all covered: the confirm screen offers Top up and Plans."""
    return bool(quote.blocked_reason) or quote.calls_covered < quote.first_calls


def outcome_bars(words: Words, counts: CampaignCounts) -> list[tuple[str, int, str]]:
    """The chart's bars (label, count, colour), under the words of the progress message's counts."""
    bars = [(words("campaign.chart.answered"), counts.answered, GOOD),
            (words("campaign.chart.failed"), counts.not_reached, BAD),
            (words("campaign.chart.not_called"), counts.not_called, NEUTRAL)]
    if counts.voicemail:
        bars.insert(1, (words("campaign.chart.voicemail"), counts.voicemail, MISSED))
    if counts.in_flight + counts.waiting:  # a report asked for while the campaign still runs
        bars.append((words("campaign.chart.in_progress"), counts.in_flight + counts.waiting, ONGOING))
    return bars


async def send_campaign_report(services: Services, user: TelegramUser, words: Words,
                               campaign_id: str) -> list[Outgoing]:
    """The final report: the CSV as a document and a chart of outcomes. When some calls' custom answers
    had not come (the report waited long enough for them: services/calls/report_readiness.py), the
    caption says how many and how to get them later."""
    report = await services.calls.GetCampaignReport(calls_pb2.GetCampaignRequest(
        customer_id=user.customer_id, campaign_id=campaign_id), timeout=RPC_TIMEOUT_SECONDS)
    # The CSV in the chat's words, and the chart's bars counted from its outcome column (campaign_outcomes.py).
    in_words = report_in_words(words, report.csv)
    bars = in_words.bars or outcome_bars(words, CampaignCounts.of_totals(report.totals))
    chart = render_outcome_chart_png([(label, count) for label, count, _ in bars], title=words("campaign.chart.title"),
                                     colours=[colour for _, _, colour in bars])
    caption = words("campaign.report.caption", name=report.name)
    if in_words.answers_not_in:
        caption += "\n" + words.plural("campaign.report.answers_not_in", in_words.answers_not_in,
                                       button=words("campaign.report"))
    return [
        Outgoing("sendDocument", {"chat_id": user.chat_id, "caption": caption},
                 file=in_words.csv, file_name=report.filename or f"campaign-{campaign_id}.csv"),
        Outgoing("sendPhoto", {"chat_id": user.chat_id, "caption": words("campaign.chart.title")},
                 file=chart, file_name="outcomes.png"),
        # Then, when the flow has yes/no or choice fields, how the callees answered them.
        *answers_chart(words, user.chat_id, in_words.answer_bars),
    ]
