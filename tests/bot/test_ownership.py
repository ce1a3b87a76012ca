"""Buttons carry opaque ids only, and every action asks the owning service as the customer pressing
it: forged callback data naming someone else's flow, call or campaign is refused, and their things
stay as they were."""

from __future__ import annotations

from speechcue.calls.v1 import calls_pb2
from tests.bot.conftest import BotHarness, forge_press
from tests.calls.conftest import CALLEE, menu_flow


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
