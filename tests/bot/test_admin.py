"""Admin screens: only for the configured admins; reviews, refunds, the kill switch, the caller-ID
pool and the platform-wide do-not-call list through the chat, each checked again by the owning service."""

from __future__ import annotations

from speechcue.calls.v1 import calls_pb2
from speechcue.wallet.v1 import wallet_pb2
from tests.bot.conftest import BotHarness, forge_press, message_text
from tests.calls.conftest import CALLEE, menu_flow
from tests.wallet.conftest import ADMIN_ID


async def test_a_customer_cannot_open_the_admin_screens(bot: BotHarness) -> None:
    person = await bot.onboarded()
    assert "Admin" not in person.all_text()
    await forge_press(bot, person, "adm:reviews")
    await person.wait_for_text("You are not allowed to do that.")


async def test_an_admin_refunds_a_charge_and_suspends_a_customer(bot: BotHarness) -> None:
    customer_person = await bot.onboarded("Refund Me Ltd")
    customer = await bot.customer_id(customer_person)
    await bot.calls.wallet.credit(customer, 1_000)
    await bot.calls.wallet.debit(customer, 300)

    admin = await bot.onboarded("Operator", user_id=ADMIN_ID)
    await admin.press("Admin")
    await admin.press("Find a customer")
    await admin.say(customer)
    await admin.press("Refund charge $3.00")
    await admin.say("1.25")
    await admin.press("Poor call quality")
    await admin.wait_for_text("Refund $1.25 to Refund Me Ltd")
    await admin.press("Yes, refund")
    refunded = await admin.wait_for_text("Refunded $1.25")
    assert "$8.25" in message_text(refunded)
    balance = await bot.calls.wallet.stub.GetBalance(wallet_pb2.GetBalanceRequest(customer_id=customer))
    assert balance.available_cents == 825

    await admin.press("Back")  # to the customer
    await admin.press("Suspend calling")
    await admin.press("Yes, suspend")
    await admin.wait_for_text("suspended: yes")
    limits = await bot.calls.stub.GetCustomerLimits(calls_pb2.GetCustomerLimitsRequest(customer_id=customer))
    assert limits.suspended


async def enabled_pool(bot: BotHarness) -> list[str]:
    answer = await bot.calls.stub.ListCallerIds(calls_pb2.ListCallerIdsRequest())
    return [number.number for number in answer.caller_ids]


async def test_an_admin_manages_the_caller_id_pool_from_the_chat(bot: BotHarness) -> None:
    retell = bot.calls.retell
    before = await enabled_pool(bot)
    first = before[0]
    customer = await bot.onboarded("Curious Ltd")
    await forge_press(bot, customer, f"admcid:off:{first}")
    await customer.wait_for_text("You are not allowed to do that.")
    assert await enabled_pool(bot) == before

    admin = await bot.onboarded("Operator", user_id=ADMIN_ID)
    await admin.press("Admin")
    await admin.press("Caller IDs")
    pool = await admin.wait_for_text("The caller-ID pool")
    assert f"✅ {first} Pool 1" in message_text(pool)
    await admin.press(f"Stop using {first}")
    await admin.wait_for_text(f"Stop using {first} as a caller ID?")
    await admin.press("Yes, stop using it")
    await admin.wait_for_text(f"⛔ {first} Pool 1")
    assert await enabled_pool(bot) == before[1:]  # no call is placed from it any more

    added = "+14155550199"
    retell.phone_numbers[added] = {**retell.phone_numbers[first], "phone_number": added, "nickname": "Pool new"}
    await admin.press("Sync from Retell")
    synced = await admin.wait_for_text(f"Synced from Retell: {len(before)} numbers in use")
    assert f"✅ {added} Pool new" in message_text(synced)
    assert f"⛔ {first}" in message_text(synced)  # a sync keeps an admin's choice
    await admin.press(f"Use {first}")
    await admin.press("Yes, use it")
    await admin.wait_for_text(f"✅ {first} Pool 1")
    assert await enabled_pool(bot) == sorted([*before, added])


async def test_an_admin_puts_a_number_on_the_platform_wide_do_not_call_list(bot: BotHarness) -> None:
    customer = await bot.calls.customer_with_money(1_000)
    admin = await bot.onboarded("Operator", user_id=ADMIN_ID)
    await admin.press("Admin")
    await admin.press("Do-not-call list")
    await admin.wait_for_text("platform-wide do-not-call list, in international form")
    await admin.say("call me maybe")
    await admin.wait_for_text("“call me maybe” is not a phone number")  # the words of every number question
    await admin.say("+1 415-555-0177")
    await admin.wait_for_text("+14155550177 is on the platform-wide do-not-call list")
    check = await bot.calls.stub.CheckDoNotCall(calls_pb2.CheckDoNotCallRequest(customer_id=customer,
                                                                                number="+14155550177"))
    assert check.blocked and check.reason == "added by a Speechcue administrator"


async def test_an_admin_reads_the_platforms_figures_of_the_last_day(bot: BotHarness) -> None:
    person = await bot.onboarded("Busy Ltd")
    customer = await bot.customer_id(person)
    await bot.calls.wallet.credit(customer, 1_000)  # a top-up
    await bot.calls.wallet.debit(customer, 300)  # a charge
    flow = await bot.calls.flow(customer, menu_flow())
    await bot.calls.script_callee(CALLEE, duration_ms=30_000)
    call = await bot.calls.settled(customer, (await bot.calls.call(customer, flow.id, CALLEE)).id)
    assert call.status == calls_pb2.CALL_STATUS_ENDED and call.cost_cents > 0

    admin = await bot.onboarded("Operator", user_id=ADMIN_ID)
    await admin.press("Admin")
    await admin.press("Figures")
    figures = message_text(await admin.wait_for_text("The platform, last 24 hours"))
    assert "Calls: 1 · answered 1 · failed 0 · opt-outs 0" in figures
    assert "Now: 0 in progress · 0 waiting for a line · 0 campaigns running" in figures
    assert f"Money: top-ups $10.00 · revenue ${(300 + call.cost_cents) / 100:.2f} · refunds $0.00" in figures
    assert "Customers: 2 (0 in debt) · active plans 0 · bot users 2" in figures

    await forge_press(bot, person, "adm:figures")
    await person.wait_for_text("You are not allowed to do that.")
    assert "The platform, last 24 hours" not in person.all_text()
