"""The wallet's invoices: a top-up's invoice offers its payment page, and the invoice list shows each
top-up with its amount, coin and status, paid or still waiting."""

from __future__ import annotations

from services.bot.i18n import Words
from speechcue.payments.v1 import payments_pb2
from tests.bot.conftest import BotHarness, find_button
from tests.bot.test_journey import first_line, top_up

WORDS = Words("en")


async def test_the_invoice_list_shows_paid_and_waiting_top_ups(bot: BotHarness) -> None:
    person = await bot.onboarded()
    await top_up(person, bot, WORDS, "12")  # paid by the helper
    await person.wait_for_text("Payment confirmed")
    await person.press(first_line(WORDS, "menu.back_home"))
    await person.press(first_line(WORDS, "menu.wallet"))
    await person.press(first_line(WORDS, "wallet.topup"))
    await person.press_first("coin:")
    await person.wait_for_text("How many US dollars")
    await person.say("7.50")
    invoice = await person.wait_for(lambda m: "photo" in m and find_button(m, "🔄") is not None, what="the invoice")
    pay_page = [b for row in invoice["reply_markup"]["inline_keyboard"] for b in row if "url" in b]
    assert [b["text"] for b in pay_page] == ["💳 Open the payment page"]
    assert pay_page[0]["url"].startswith("https://")

    await person.press(first_line(WORDS, "menu.back_home"))
    await person.press(first_line(WORDS, "menu.wallet"))
    await person.press("Invoices")
    listed = await person.wait_for_text("Your top-up invoices")
    lines = [b["text"] for row in listed["reply_markup"]["inline_keyboard"] for b in row
             if b.get("callback_data", "").startswith("inv:")]
    assert len(lines) == 2
    assert "$7.50" in lines[0] and "waiting for payment" in lines[0]  # newest first
    assert "$12.00" in lines[1] and "paid" in lines[1]
    invoices = await bot.payments.stub.ListInvoices(payments_pb2.ListInvoicesRequest(
        customer_id=await bot.customer_id(person)))
    assert {invoice.usd_cents for invoice in invoices.invoices} == {750, 1200}
    await person.press("$7.50")
    await person.wait_for_text(WORDS("topup.status", status="waiting for payment", credited="$0.00"))
