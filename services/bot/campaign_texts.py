"""How a campaign reads in the chat: its progress message and its final report (CSV and chart).

The three agree because none of them sorts callees itself: the calls service counts every callee into
one report category (services/calls/callee_reports.py) for the progress events, the report's totals
and the CSV's status column, and here each count is shown under the same words (answered, not
reached, not called) in the progress message, the campaign's screen and the chart.
"""

from __future__ import annotations

from dataclasses import dataclass

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

    @property
    def done(self) -> int:
        return self.answered + self.not_reached + self.not_called

    @classmethod
    def of_event(cls, event: calls_events_pb2.CampaignChanged) -> CampaignCounts:
        waiting = max(0, event.callees - event.answered - event.failed - event.not_called - event.in_flight)
        return cls(callees=event.callees, answered=event.answered, not_reached=event.failed,
                   not_called=event.not_called, in_flight=event.in_flight, waiting=waiting,
                   cost_cents=event.cost_cents)

    @classmethod
    def of_totals(cls, totals: calls_pb2.CampaignTotals) -> CampaignCounts:
        return cls(callees=totals.callees, answered=totals.answered, not_reached=totals.failed,
                   not_called=totals.not_called, in_flight=totals.in_flight, waiting=totals.pending,
                   cost_cents=totals.cost_cents)


def campaign_counts_lines(words: Words, counts: CampaignCounts) -> list[str]:
    """The progress bar, the counts and the cost: the same lines in the progress message and on the
    campaign's screen."""
    return [progress_bar(counts.done, counts.callees),
            words("campaign.progress.counts", done=counts.done, callees=counts.callees, answered=counts.answered,
                  not_reached=counts.not_reached, not_called=counts.not_called, in_flight=counts.in_flight),
            words("campaign.progress.cost", cost=words.money(counts.cost_cents))]


def campaign_progress_text(words: Words, event: calls_events_pb2.CampaignChanged, timezone: str) -> str:
    lines = [words("campaign.progress.title", name=event.name, status=words(f"campaign.status.{event.status}")),
             *campaign_counts_lines(words, CampaignCounts.of_event(event))]
    if event.status == "scheduled":
        lines.append(words("campaign.progress.starts", start=local_time(event.start_at, timezone, words.language)))
    if event.reason:
        # A reason the platform names by code (CUSTOMER_SUSPENDED) has words of its own.
        lines.append(words("campaign.progress.reason", reason=words.name_of(f"error.{event.reason}", event.reason)))
    return "\n".join(lines)


def outcome_bars(words: Words, counts: CampaignCounts) -> list[tuple[str, int, str]]:
    """The chart's bars (label, count, colour), under the words of the progress message's counts."""
    bars = [(words("campaign.chart.answered"), counts.answered, GOOD),
            (words("campaign.chart.failed"), counts.not_reached, BAD),
            (words("campaign.chart.not_called"), counts.not_called, NEUTRAL)]
    if counts.in_flight + counts.waiting:  # a report asked for while the campaign still runs
        bars.append((words("campaign.chart.in_progress"), counts.in_flight + counts.waiting, ONGOING))
    return bars


async def send_campaign_report(services: Services, user: TelegramUser, words: Words,
                               campaign_id: str) -> list[Outgoing]:
    """The final report: the CSV as a document and a chart of outcomes."""
    report = await services.calls.GetCampaignReport(calls_pb2.GetCampaignRequest(
        customer_id=user.customer_id, campaign_id=campaign_id), timeout=RPC_TIMEOUT_SECONDS)
    bars = outcome_bars(words, CampaignCounts.of_totals(report.totals))
    chart = render_outcome_chart_png([(label, count) for label, count, _ in bars], title=words("campaign.chart.title"),
                                     colours=[colour for _, _, colour in bars])
    return [
        Outgoing("sendDocument", {"chat_id": user.chat_id, "caption": words("campaign.report.caption")},
                 file=report.csv, file_name=report.filename or f"campaign-{campaign_id}.csv"),
        Outgoing("sendPhoto", {"chat_id": user.chat_id, "caption": words("campaign.chart.title")},
                 file=chart, file_name="outcomes.png"),
    ]
