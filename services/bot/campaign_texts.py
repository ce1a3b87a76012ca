"""How a campaign reads in the chat: its progress message and its final report (CSV and chart)."""

from __future__ import annotations

from services.bot.clients import RPC_TIMEOUT_SECONDS, Services
from services.bot.formatting import local_time, money, progress_bar
from services.bot.i18n import Words
from services.bot.outcome_chart import render_outcome_chart_png
from services.bot.outgoing import Outgoing
from services.bot.users import TelegramUser
from speechcue.calls.v1 import calls_pb2
from speechcue.events.v1 import calls_events_pb2


def campaign_progress_text(words: Words, event: calls_events_pb2.CampaignChanged, timezone: str) -> str:
    lines = [words("campaign.progress.title", name=event.name, status=words(f"campaign.status.{event.status}")),
             progress_bar(event.done, event.callees),
             words("campaign.progress.counts", done=event.done, callees=event.callees, answered=event.answered,
                   failed=event.failed, in_flight=event.in_flight),
             words("campaign.progress.cost", cost=money(event.cost_cents))]
    if event.status == "scheduled":
        lines.append(words("campaign.progress.starts", start=local_time(event.start_at, timezone)))
    if event.reason:
        # A reason the platform names by code (CUSTOMER_SUSPENDED) has words of its own.
        lines.append(words("campaign.progress.reason", reason=words.name_of(f"error.{event.reason}", event.reason)))
    return "\n".join(lines)


async def send_campaign_report(services: Services, user: TelegramUser, words: Words,
                               campaign_id: str) -> list[Outgoing]:
    """The final report: the CSV as a document and a chart of outcomes."""
    report = await services.calls.GetCampaignReport(calls_pb2.GetCampaignRequest(
        customer_id=user.customer_id, campaign_id=campaign_id), timeout=RPC_TIMEOUT_SECONDS)
    totals = report.totals
    counts = [(words("campaign.chart.answered"), totals.answered), (words("campaign.chart.failed"), totals.failed),
              (words("campaign.chart.not_called"), totals.pending + totals.in_flight)]
    chart = render_outcome_chart_png(counts, title=words("campaign.chart.title"))
    return [
        Outgoing("sendDocument", {"chat_id": user.chat_id, "caption": words("campaign.report.caption")},
                 file=report.csv, file_name=report.filename or f"campaign-{campaign_id}.csv"),
        Outgoing("sendPhoto", {"chat_id": user.chat_id, "caption": words("campaign.chart.title")},
                 file=chart, file_name="outcomes.png"),
    ]
