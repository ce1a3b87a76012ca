"""Work followed through the services by its trace id (services/runtime/tracing.py).

One Telegram update: a person takes the free trial, the bot calls the wallet's BuySubscription, the
wallet records `wallet.subscription.activated`, and the bot's consumer turns it into a message. Every
log line of that chain (the bot's update, the wallet's call, the consumer's event) carries the same
trace id, and no other update shares it. One top-up: DynoPay's webhook, the credit to the wallet and
the bot's "payment confirmed" all carry the trace of the invoice's own id."""

from __future__ import annotations

from services.bot.i18n import Words
from tests.bot.conftest import BotHarness
from tests.bot.test_journey import top_up
from tests.log_lines import LogLines, log_lines  # noqa: F401


async def test_the_trial_is_followed_from_the_update_to_the_wallet_and_back_by_one_trace_id(
        bot: BotHarness, log_lines: LogLines) -> None:  # noqa: F811
    person = bot.person("en")
    await person.say("/start")
    await person.press("English")
    await person.wait_for_text("What is your name")
    await person.say("Acme Dental")
    await person.press("I accept")
    await person.press("Start the free trial")
    await person.wait_for_text("is active until")

    consumed = await log_lines.wait_for(logger="services.runtime.consumers", msg="wallet.subscription.activated")
    trace_id = consumed["trace_id"]
    chain = log_lines.traced(trace_id)
    updates = [line for line in chain if line["logger"] == "services.bot.updates"]
    bought = [line for line in chain if line["msg"].startswith("BuySubscription: OK")]
    assert len(updates) == 1 and updates[0]["msg"] == "telegram update: handled" and updates[0]["update_id"] > 0
    assert len(bought) == 1, "the wallet's BuySubscription is logged under the update's trace"
    assert {line["logger"] for line in chain} >= {"services.bot.updates", "services.runtime.grpc_interceptor",
                                                  "services.runtime.consumers"}

    # Each update is a trace of its own.
    update_traces = [line["trace_id"] for line in log_lines.lines if line["logger"] == "services.bot.updates"]
    assert len(update_traces) == len(set(update_traces)) >= 5
    assert all(len(line["trace_id"]) == 16 for line in log_lines.lines if line["logger"] == "services.bot.updates")


async def test_a_top_up_is_followed_from_its_webhook_to_the_wallet_and_the_chat_by_its_invoice_id(
        bot: BotHarness, log_lines: LogLines) -> None:  # noqa: F811
    person = await bot.onboarded()
    await top_up(person, bot, Words("en"), "25")
    await person.wait_for_text("Payment confirmed")
    invoice_id = str(await bot.payments.scalar("SELECT id FROM invoices ORDER BY created_at DESC LIMIT 1"))
    trace_id = invoice_id.replace("-", "")

    await log_lines.wait_for(logger="services.runtime.consumers", msg="payments.topup.confirmed",
                     trace_id=trace_id)
    chain = log_lines.traced(trace_id)
    webhook = [line for line in chain if line["logger"] == "services.payments.webhook"]
    assert len(webhook) == 1 and webhook[0]["msg"].startswith("dynopay webhook answered 200")
    assert webhook[0]["payment_id"] == await bot.payments.payment_id(invoice_id)
    assert any(line["msg"].startswith("Credit: OK") for line in chain), "the wallet's Credit, under the top-up"
