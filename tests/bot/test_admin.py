"""Admin screens: only for the configured admins; reviews, refunds and the kill switch through the
chat, each checked again by the owning service."""

from __future__ import annotations

from speechcue.calls.v1 import calls_pb2
from speechcue.wallet.v1 import wallet_pb2
from tests.bot.conftest import BotHarness, forge_press, message_text
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

    admin = bot.person("en", user_id=ADMIN_ID)
    await admin.say("/start")
    await admin.press("English")
    await admin.wait_for_text("What is your name")
    await admin.say("Operator")
    await admin.press("I accept")
    await admin.press("No, thanks")
    await admin.press("Admin")
    await admin.press("Find a customer")
    await admin.say(customer)
    await admin.press("Refund charge $3.00")
    await admin.say("1.25")
    refunded = await admin.wait_for_text("Refunded $1.25")
    assert "$8.25" in message_text(refunded)
    balance = await bot.calls.wallet.stub.GetBalance(wallet_pb2.GetBalanceRequest(customer_id=customer))
    assert balance.available_cents == 825

    await admin.press("Back")
    await admin.press("Find a customer")
    await admin.say(customer)
    await admin.press("Suspend calling")
    await admin.wait_for_text("Suspended: yes")
    limits = await bot.calls.stub.GetCustomerLimits(calls_pb2.GetCustomerLimitsRequest(customer_id=customer))
    assert limits.suspended
