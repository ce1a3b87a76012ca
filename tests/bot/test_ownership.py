"""Buttons carry opaque ids only, and every action asks the owning service as the customer pressing
it: forged callback data naming someone else's flow, call or campaign is refused, and their things
stay as they were."""

from __future__ import annotations

import itertools

import httpx

from speechcue.calls.v1 import calls_pb2
from tests.bot.conftest import TELEGRAM_SECRET, BotHarness, Person
from tests.calls.conftest import CALLEE, menu_flow

_forged_updates = itertools.count(900_000_001)


async def forge_press(bot: BotHarness, person: Person, data: str) -> None:
    """A callback query with made-up data, as a modified client can send: Telegram does not check
    callback data against the buttons it was given, so the bot must not trust it either."""
    message = person.messages()[-1]
    update = {"update_id": next(_forged_updates), "callback_query": {
        "id": f"forged-{data}", "chat_instance": "1", "data": data,
        "from": {"id": person.user_id, "is_bot": False, "first_name": "Eve"},
        "message": {"message_id": message["message_id"], "date": message["date"],
                    "chat": {"id": person.user_id, "type": "private"}, "text": message.get("text", "")}}}
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"http://127.0.0.1:{bot.settings.speechcue_http_port}/telegram/webhook",
                                   json=update, headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET})
    assert answer.status_code == 200


async def test_forged_buttons_naming_another_customers_things_are_refused(bot: BotHarness) -> None:
    owner = await bot.onboarded("Owner Ltd")
    intruder = await bot.onboarded("Intruder Ltd")
    owner_id = await bot.customer_id(owner)
    calls = bot.calls
    await calls.wallet.credit(owner_id, 5_000)
    flow = await calls.flow(owner_id, menu_flow())
    call = await calls.call(owner_id, flow.id, CALLEE)
    campaign = await calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key=calls.key("campaign"), customer_id=owner_id, name="Owner's list", flow_id=flow.id,
        list=b"+14155550131\n+14155550132\n", default_region="US"))

    forged = [f"flow:view:{flow.id}", f"flow:delok:{flow.id}", f"fedit:{flow.id}:n1", f"callf:{flow.id}",
              f"res:{call.id}", f"rec:{call.id}", f"callstop:{call.id}", f"camp:view:{campaign.id}",
              f"camp:cancel:{campaign.id}", f"camp:start:{campaign.id}", f"camp:report:{campaign.id}"]
    for data in forged:
        refusals = intruder.all_text().count("does not exist or is not yours")
        await forge_press(bot, intruder, data)
        await intruder.wait_for(lambda m, before=refusals: intruder.all_text().count(
            "does not exist or is not yours") > before, what=f"the refusal of {data}")
        assert "Owner" not in intruder.all_text()

    still = await calls.stub.GetFlow(calls_pb2.GetFlowRequest(customer_id=owner_id, flow_id=flow.id))
    assert still.spec.name == flow.spec.name
    kept = await calls.stub.GetCampaign(calls_pb2.GetCampaignRequest(customer_id=owner_id, campaign_id=campaign.id))
    assert kept.status == calls_pb2.CAMPAIGN_STATUS_DRAFT
    assert "does not exist or is not yours" not in owner.all_text()
