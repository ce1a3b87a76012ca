"""The three reports of one campaign agree: callees the cancel left uncalled are "not called" in the
progress message, on the chart (a grey bar, not a green "not reached" one) and in the CSV. They
were "failed", "not reached" in green and "skipped"."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import httpx
from PIL import Image, ImageColor

from services.bot.campaign_texts import CampaignCounts, outcome_bars
from services.bot.i18n import Words
from services.bot.outcome_chart import BAD, GOOD, NEUTRAL, render_outcome_chart_png
from speechcue.calls.v1 import calls_pb2
from tests.bot.conftest import BotHarness, Person, message_text
from tests.calls.conftest import menu_flow

CALLEES = [f"+1415555{number:04d}" for number in range(1300, 1303)]
WORDS = Words("en")


def pixels_of(png: bytes, colour: str) -> int:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    wanted = ImageColor.getrgb(colour)
    return sum(count for count, rgb in image.getcolors(maxcolors=image.width * image.height) or [] if rgb == wanted)


async def downloaded(bot: BotHarness, file_id: str) -> bytes:
    api = f"{bot.settings.telegram_api_base_url}/bot{bot.settings.telegram_bot_token}"
    async with httpx.AsyncClient() as client:
        path = (await client.get(f"{api}/getFile", params={"file_id": file_id})).json()["result"]["file_path"]
        return (await client.get(f"{bot.settings.telegram_api_base_url}/file/bot"
                                 f"{bot.settings.telegram_bot_token}/{path}")).content


async def scheduled_campaign(bot: BotHarness, person: Person) -> str:
    await person.press("Campaigns")
    await person.press("New campaign")
    await person.press_first("cflow:")
    await person.press("At a time")
    await person.wait_for_text("Send the start time")
    await person.say((bot.calls.clock.now + timedelta(hours=2)).strftime("%H:%M"))
    await person.press("10 min")
    await person.wait_for_text("Send the numbers")
    await person.say("\n".join(CALLEES))
    await person.wait_for_text("3 numbers to call")
    listed = await bot.calls.stub.ListCampaigns(calls_pb2.ListCampaignsRequest(
        customer_id=await bot.customer_id(person)))
    return listed.campaigns[0].id


async def test_a_cancelled_campaigns_progress_chart_and_csv_all_say_not_called(bot: BotHarness) -> None:
    person = await bot.onboarded("Acme Dental")
    customer = await bot.customer_id(person)
    await bot.calls.wallet.credit(customer, 20_000)
    await bot.calls.flow(customer, menu_flow())
    campaign_id = await scheduled_campaign(bot, person)

    await person.press_data(f"camp:view:{campaign_id}")
    await person.press(WORDS("campaign.cancel"))
    await person.press(WORDS("campaign.cancel_yes"))  # cancelling asks first

    progress = await person.wait_for(lambda m: "not called 3" in message_text(m), what="the cancelled campaign")
    assert "3 of 3 done · answered 0 · voicemail 0 · not reached 0 · not called 3" in message_text(progress)

    # On the message that offers it: the cancel's progress notification may arrive after the screen.
    await person.press_first(f"camp:report:{campaign_id}")
    document = await person.wait_for(lambda m: "document" in m, what="the report")
    chart = await person.wait_for(lambda m: "photo" in m, what="the chart")
    rows = list(csv.DictReader(io.StringIO((await downloaded(bot, document["document"]["file_id"])).decode())))
    assert [(row["number"], row["status"]) for row in rows] == [(number, "not called") for number in CALLEES]

    report = await bot.calls.stub.GetCampaignReport(calls_pb2.GetCampaignRequest(customer_id=customer,
                                                                                campaign_id=campaign_id))
    bars = outcome_bars(WORDS, CampaignCounts.of_totals(report.totals))
    assert bars == [("Answered", 0, GOOD), ("Not reached", 0, BAD), ("Not called", 3, NEUTRAL)]
    assert chart["photo"]
    drawn = render_outcome_chart_png([(label, count) for label, count, _ in bars], title="Outcomes",
                                     colours=[colour for _, _, colour in bars])
    assert pixels_of(drawn, NEUTRAL) > 0 and pixels_of(drawn, GOOD) == 0 and pixels_of(drawn, BAD) == 0
