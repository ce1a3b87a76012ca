"""An admin's review through the chat, with every service running: the queue pages past ten waiting
flows, a review shows the flow's picture, every text and its customer, a rejection carries the note
the admin typed to the customer, approval asks to confirm, a customer found by name is suspended
(their campaign pauses, they are told) and let back, and the audit log holds each action."""

from __future__ import annotations

import asyncpg

from speechcue.calls.v1 import calls_pb2
from tests.bot.conftest import BotHarness, Person, forge_press, message_text
from tests.calls.test_review_and_suspension import approved_flow, held_flow
from tests.wallet.conftest import ADMIN_ID


async def open_admin(bot: BotHarness) -> Person:
    admin = await bot.onboarded("Operator", user_id=ADMIN_ID)
    await admin.press("Admin")
    return admin


async def test_an_admin_pages_the_queue_reviews_with_a_typed_note_and_reads_the_audit_log(bot: BotHarness) -> None:
    owner = await bot.onboarded("Held Pharmacy")
    customer = await bot.customer_id(owner)
    for index in range(12):
        bot.calls.clock.advance(seconds=1)
        spec = held_flow(f"Held {index:02d}")
        spec.voicemail_action = calls_pb2.VOICEMAIL_ACTION_LEAVE_MESSAGE
        spec.voicemail_message = f"Voicemail words {index:02d}"
        await bot.calls.flow(customer, spec)

    admin = await open_admin(bot)
    await admin.press("Flows to review")
    first_page = message_text(await admin.wait_for_text("(page 1)"))
    assert "1. Held 00 · Held Pharmacy" in first_page and "10. Held 09" in first_page
    assert "Held 10" not in first_page
    await admin.press("Next ▶")
    second_page = message_text(await admin.wait_for_text("(page 2)"))
    assert "11. Held 10" in second_page and "12. Held 11" in second_page and "Held 09" not in second_page

    await admin.press("12. Held 11")
    review = message_text(await admin.wait_for_text("🔍 Review: Held 11"))
    picture = await admin.wait_for(lambda m: "photo" in m and "Held 11" in (m.get("caption") or ""),
                                   what="the flow's picture")
    assert picture["photo"]
    assert f"👤 Held Pharmacy · Telegram {owner.user_id} · {customer}" in review
    assert "Flows: 0 approved, 0 rejected, 12 waiting" in review
    assert "Please say your password after the tone." in review  # every text, in full
    assert "Thank you. Goodbye." in review
    assert "Voicemail message: Voicemail words 11" in review and "Business name: Acme Dental" in review
    assert "Held because:" in review

    await admin.press("Reject with a note")
    await admin.wait_for_text("Type the note the customer will read")
    note = "Never ask callees for a password; remove the first step and send it again."
    await admin.say(note)
    await admin.wait_for_text("Reject Held 11 with this note?")
    await admin.press("Yes, reject")
    await admin.wait_for_text("Held 11: approved — no")
    await owner.wait_for_text(f"❌ Your flow Held 11 was rejected. Note: {note}")

    await admin.press("Back to the queue")
    await admin.press("1. Held 00")
    await admin.press("✅ Approve")
    await admin.wait_for_text("Approve Held 00? The customer can call with it at once")
    assert "Your flow Held 00 was approved" not in owner.all_text()  # nothing before the confirmation
    await admin.press("Yes, approve")
    await admin.wait_for_text("Held 00: approved — yes")
    await owner.wait_for_text("✅ Your flow Held 00 was approved.")
    flows = await bot.calls.stub.ListFlows(calls_pb2.ListFlowsRequest(customer_id=customer))
    statuses = {flow.spec.name: flow.status for flow in flows.flows}
    assert statuses["Held 00"] == calls_pb2.FLOW_STATUS_APPROVED
    assert statuses["Held 11"] == calls_pb2.FLOW_STATUS_REJECTED

    await admin.press("Back to the queue")
    await admin.press("Back")
    await admin.press("Audit log")
    log = message_text(await admin.wait_for_text("📜 Admin actions, newest first (page 1)"))
    approved_at, rejected_at = log.index("flow approved"), log.index("flow rejected")
    assert approved_at < rejected_at  # newest first
    assert f"admin {ADMIN_ID} · flow rejected · {customer}" in log and note in log

    await forge_press(bot, owner, "admlog")
    await owner.wait_for_text("You are not allowed to do that.")
    await forge_press(bot, owner, "admrv:q")
    await owner.wait_for_text("You are not allowed to do that.")


async def test_an_admin_finds_a_customer_by_name_suspends_them_and_lets_them_back(bot: BotHarness) -> None:
    owner = await bot.onboarded("Zebra Pharmacy")
    await bot.onboarded("Zebu Farm")
    customer = await bot.customer_id(owner)
    await bot.calls.wallet.credit(customer, 5_000)
    flow = await approved_flow(bot.calls, customer)
    bot.calls.retell.concurrency_limit = 1  # one callee at a time, each call long: the campaign runs on
    for number in ("+14155550181", "+14155550182"):
        await bot.calls.script_callee(number, duration_ms=7_000_000)
    campaign = await bot.calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key=bot.calls.key("campaign"), customer_id=customer, name="Refills", flow_id=flow.id,
        list=b"+14155550181\n+14155550182\n", max_minutes_per_call=60))

    admin = await open_admin(bot)
    await admin.press("Find a customer")
    await admin.say("zeb")
    await admin.wait_for_text("2 customers match")
    await admin.press("Zebra Pharmacy")
    screen = message_text(await admin.wait_for_text(f"Telegram {owner.user_id} · {customer}"))
    assert "suspended: no" in screen and "Flows: 1 approved" in screen and "Balance: $" in screen

    await admin.press("Suspend calling")
    await admin.wait_for_text("Suspend calling for this customer?")
    limits = await bot.calls.stub.GetCustomerLimits(calls_pb2.GetCustomerLimitsRequest(customer_id=customer))
    assert not limits.suspended  # nothing before the confirmation
    await bot.calls.stub.StartCampaign(calls_pb2.CampaignActionRequest(
        idempotency_key=bot.calls.key("go"), customer_id=customer, campaign_id=campaign.id))
    await admin.press("Yes, suspend")
    await admin.wait_for_text("suspended: yes")
    paused = await bot.calls.stub.GetCampaign(calls_pb2.GetCampaignRequest(customer_id=customer,
                                                                           campaign_id=campaign.id))
    assert (paused.status, paused.pause_reason) == (calls_pb2.CAMPAIGN_STATUS_PAUSED, "CUSTOMER_SUSPENDED")
    await owner.wait_for_text("A Speechcue administrator suspended calling on your account")
    await owner.wait_for_text("Refills: paused")
    assert "Paused: calling is suspended for your account" in owner.all_text()

    await admin.press("Allow calling again")
    await admin.press("Yes, let them call")
    await admin.wait_for_text("The suspension paused 1 campaign. Resume it?")
    await admin.press("Not now")
    await admin.wait_for_text("suspended: no")
    await owner.wait_for_text("You can call again")

    await admin.press("Trust tier")
    await admin.press("Trusted")
    await admin.wait_for_text("Set this customer's trust tier to: Trusted?")
    await admin.press("Yes, set it")
    await admin.wait_for_text("Trust tier: trusted")
    limits = await bot.calls.stub.GetCustomerLimits(calls_pb2.GetCustomerLimitsRequest(customer_id=customer))
    assert limits.trust_override == calls_pb2.TRUST_TIER_TRUSTED

    await admin.press("Their audit log")
    log = message_text(await admin.wait_for_text(f"📜 Admin actions on {customer}"))
    assert log.index("trust tier changed") < log.index("suspension lifted") < log.index("calling suspended")
    rows = await audit_rows(bot)
    assert [(row["action"], row["customer_id"], row["admin_telegram_id"]) for row in rows] == [
        ("suspended", customer, ADMIN_ID), ("unsuspended", customer, ADMIN_ID), ("trust_changed", customer, ADMIN_ID)]
    assert rows[2]["note"] == "Trusted"


async def audit_rows(bot: BotHarness) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(bot.database_url)
    try:
        return list(await connection.fetch("SELECT * FROM admin_actions ORDER BY id"))
    finally:
        await connection.close()


async def test_an_admin_reads_the_review_queues_times_in_their_own_timezone(bot: BotHarness) -> None:
    owner = await bot.onboarded("Held Clinic")
    await bot.calls.flow(await bot.customer_id(owner), held_flow("Held in Kolkata"))
    admin = await bot.onboarded("Operator", user_id=ADMIN_ID)
    connection = await asyncpg.connect(bot.database_url)
    try:
        await connection.execute("UPDATE telegram_users SET timezone = 'Asia/Kolkata' WHERE telegram_user_id = $1",
                                 ADMIN_ID)
    finally:
        await connection.close()

    await admin.press("Admin")
    await admin.press("Flows to review")
    await admin.press("1. Held in Kolkata")
    review = message_text(await admin.wait_for_text("🔍 Review: Held in Kolkata"))

    waiting_since = review.splitlines()[1]
    assert "India" in waiting_since and "UTC" not in waiting_since, waiting_since
