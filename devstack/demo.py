"""`./dev demo`: a customer with money, a flow and a small campaign, so the chat shows results at once.

Run it while `./dev up` runs. It acts only through the platform's own doors: as Telegram user 1 (the
local admin) it goes through onboarding in the Telegram simulator, then credits the customer's
wallet (a promotion), saves an approved flow and starts a five-number campaign through the services'
gRPC APIs with the local internal token, and scripts the simulated callees to press keys. The
campaign calls numbers whose local time is inside the calling window now, wherever that is.
Then open http://127.0.0.1:8009/chat as user 1 and watch the progress, the report and the chart.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import asyncpg
import httpx

from devstack.platform import LOCAL_HARNESS_TOKEN, LOCAL_SERVICES, SANDBOX_URL
from services.runtime.grpc_client import internal_channel
from speechcue.calls.v1 import calls_pb2, calls_pb2_grpc
from speechcue.common.v1 import common_pb2
from speechcue.wallet.v1 import wallet_pb2, wallet_pb2_grpc

DEMO_USER = 1
# Numbers of places far apart, with the zone the calls service will find for each: at any hour one of
# them is between 09:00 and 20:00 local time (Kolkata 03:30-14:30 UTC, Paris and London 08:00-20:00,
# New York 14:00-01:00, Los Angeles 17:00-04:00). Each is a valid mobile or landline of a country in
# the default CALLS_ALLOWED_COUNTRIES that a pool caller ID reaches (tests/e2e checks them): the
# destination rule refuses anything else, as it refused the invalid Paris and the unknown-type London
# numbers this list had before.
PLACES = (
    ("Asia/Kolkata", "+9198765432{:02d}"), ("Europe/Paris", "+336123456{:02d}"),
    ("Europe/London", "+4474001234{:02d}"), ("America/New_York", "+1212555{:04d}"),
    ("America/Los_Angeles", "+1415555{:04d}"),
)


def callable_numbers(count: int, now: datetime) -> list[str]:
    for zone, pattern in PLACES:
        hour = now.astimezone(ZoneInfo(zone)).hour
        if 9 <= hour < 20:
            return [pattern.format(10 + index) for index in range(count)]
    raise SystemExit("no demo region is inside its calling hours right now; try again in an hour")


def demo_flow() -> calls_pb2.FlowSpec:
    return calls_pb2.FlowSpec(
        name="Demo: appointment reminder", kind=calls_pb2.FLOW_KIND_GRAPH, business_name="Demo Dental",
        graph=calls_pb2.FlowGraph(start_node_id="ask", nodes=[
            calls_pb2.FlowNode(id="ask", kind=calls_pb2.NODE_KIND_MENU,
                               text="Your appointment is tomorrow at ten. Press 1 to confirm, 2 to cancel.",
                               edges=[calls_pb2.FlowEdge(key="1", target_node_id="thanks"),
                                      calls_pb2.FlowEdge(key="2", target_node_id="cancelled")]),
            calls_pb2.FlowNode(id="thanks", kind=calls_pb2.NODE_KIND_END, text="Thank you, see you tomorrow."),
            calls_pb2.FlowNode(id="cancelled", kind=calls_pb2.NODE_KIND_END, text="Your appointment is cancelled."),
        ]))


async def onboard(client: httpx.AsyncClient) -> None:
    async def say(text: str) -> None:
        (await client.post(f"/sandbox/telegram/users/{DEMO_USER}/messages",
                           json={"text": text, "first_name": "Demo"})).raise_for_status()

    async def press(label: str) -> None:
        for _ in range(100):
            chat = (await client.get(f"/sandbox/telegram/chats/{DEMO_USER}")).json()
            for message in reversed(chat["messages"]):
                for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                    for button in row:
                        if label in button.get("text", "") and "callback_data" in button:
                            (await client.post(f"/sandbox/telegram/users/{DEMO_USER}/press", json={
                                "message_id": message["message_id"], "callback_data": button["callback_data"]},
                            )).raise_for_status()
                            return
            await asyncio.sleep(0.1)
        raise SystemExit(f"the bot never offered {label!r}: is ./dev up running?")

    await say("/start")
    await press("English")
    await asyncio.sleep(0.5)
    await say("Demo Dental")
    await press("I accept")
    await press("No, thanks")


async def customer_id(database_url: str) -> str:
    connection = await asyncpg.connect(database_url)
    try:
        found = await connection.fetchval("SELECT customer_id FROM telegram_users WHERE telegram_user_id = $1",
                                          DEMO_USER)
    finally:
        await connection.close()
    if found is None:
        raise SystemExit("user 1 has no customer yet: is ./dev up running?")
    return str(found)


async def seed(database_url: str) -> None:
    addresses = {service.name: service.grpc_address for service in LOCAL_SERVICES}
    async with httpx.AsyncClient(base_url=SANDBOX_URL, timeout=10.0) as client:
        await onboard(client)
        customer = await customer_id(database_url)
        numbers = callable_numbers(5, datetime.now(UTC))
        for index, number in enumerate(numbers):
            digit = "1" if index % 2 == 0 else "2"
            (await client.put(f"/sandbox/retell/scenarios/{number}", json={
                "duration_ms": 25_000 + 5_000 * index, "keys": [{"digit": digit, "at_ms": 4000}],
                "summary": "The callee confirmed." if digit == "1" else "The callee cancelled.",
                "sentiment": "Positive" if digit == "1" else "Neutral"})).raise_for_status()
    run = uuid.uuid4().hex[:8]
    async with internal_channel(addresses["wallet"], LOCAL_HARNESS_TOKEN) as channel:
        await wallet_pb2_grpc.WalletServiceStub(channel).Credit(wallet_pb2.CreditRequest(
            idempotency_key=f"demo:{run}:credit", customer_id=customer, amount_cents=5_000,
            cause=common_pb2.Cause(type=common_pb2.CAUSE_TYPE_PROMOTION, id=f"demo-{run}")))
    async with internal_channel(addresses["calls"], LOCAL_HARNESS_TOKEN) as channel:
        calls = calls_pb2_grpc.CallsServiceStub(channel)
        flow = await calls.CreateFlow(calls_pb2.CreateFlowRequest(idempotency_key=f"demo:{run}:flow",
                                                                  customer_id=customer, spec=demo_flow()))
        campaign = await calls.CreateCampaign(calls_pb2.CreateCampaignRequest(
            idempotency_key=f"demo:{run}:campaign", customer_id=customer, name="Demo campaign", flow_id=flow.id,
            list="\n".join(numbers).encode()))
        await calls.StartCampaign(calls_pb2.CampaignActionRequest(
            idempotency_key=f"demo:{run}:start", customer_id=customer, campaign_id=campaign.id))
    print(f"seeded {customer}: $50.00 credited, flow '{flow.spec.name}', a campaign of {len(numbers)} calls "
          f"({numbers[0][:4]}…). Open {SANDBOX_URL}/chat as user {DEMO_USER}.")


def main() -> int:
    parser = argparse.ArgumentParser(prog="./dev demo", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:54329/bot",
                        help="the bot's database in ./dev up (to find user 1's customer id)")
    options = parser.parse_args()
    asyncio.run(seed(options.database_url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
