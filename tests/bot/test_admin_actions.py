"""An admin's real work through the chat, with every service running: finding a customer by Telegram
id, customer id or name and reading their screen; a refund that asks a reason and tells the
customer once, in the customer's language; a Yes/No before every action that changes money, calling
or the caller-ID pool, where No changes nothing; and, after calling is allowed again, resuming
exactly the campaigns the suspension paused."""

from __future__ import annotations

import re
from datetime import timedelta

import asyncpg
import httpx
from google.protobuf.timestamp_pb2 import Timestamp

from services.bot.i18n import LANGUAGES, Words
from speechcue.calls.v1 import calls_pb2
from speechcue.common.v1 import common_pb2
from speechcue.wallet.v1 import wallet_pb2
from tests.bot.conftest import TELEGRAM_SECRET, BotHarness, Person, forge_press, message_text
from tests.calls.conftest import CALLEE, menu_flow
from tests.wallet.conftest import ADMIN_ID

PRIME_7D = Words("en").name_of("plan.name.prime_7d", "")


def first_line(words: Words, message_id: str) -> str:
    """A button's label, or the start of a message, as the chat shows it (without its values)."""
    return words(message_id).split("{")[0].split("\n")[0].strip()


async def onboarded_in(bot: BotHarness, language: str, name: str, *, user_id: int | None = None) -> Person:
    """A person who went through onboarding in `language` and skipped the trial."""
    words = Words(language)
    person = bot.person(language, user_id)
    await person.say("/start")
    await person.press(LANGUAGES[language])
    await person.wait_for_text(first_line(words, "onboarding.ask_name"))
    await person.say(name)
    await person.press(first_line(words, "onboarding.accept"))
    await person.press(first_line(words, "onboarding.trial_skip"))
    await person.wait_for_text(first_line(words, "menu.title"))
    return person


async def open_admin(bot: BotHarness) -> Person:
    admin = await bot.onboarded("Operator", user_id=ADMIN_ID)
    await admin.press("Admin")
    return admin


async def find(admin: Person, text: str) -> None:
    await admin.press("Find a customer")
    await admin.say(text)


async def charged(bot: BotHarness, person: Person, *, credit: int, debit: int) -> str:
    customer = await bot.customer_id(person)
    await bot.calls.wallet.credit(customer, credit)
    await bot.calls.wallet.debit(customer, debit)
    return customer


async def refunds_of(bot: BotHarness, customer: str) -> list[wallet_pb2.Transfer]:
    history = await bot.calls.wallet.stub.ListTransactions(wallet_pb2.ListTransactionsRequest(
        customer_id=customer, page=common_pb2.PageRequest(page_size=50)))
    return [t for t in history.transfers if t.kind == wallet_pb2.TRANSFER_KIND_REFUND]


async def test_an_admin_finds_a_customer_by_each_key_and_reads_their_screen(bot: BotHarness) -> None:
    owner = await bot.onboarded("Quokka Bakery")
    await bot.onboarded("Quokka Books")
    customer = await bot.customer_id(owner)
    wallet = bot.calls.wallet
    plans = {p.code: p for p in (await wallet.stub.ListPlans(wallet_pb2.ListPlansRequest())).plans}
    await wallet.credit(customer, plans["prime_7d"].price_cents + 2_500)
    await wallet.stub.BuySubscription(wallet_pb2.BuySubscriptionRequest(
        idempotency_key=wallet.key("buy"), customer_id=customer, plan_code="prime_7d"))
    flow = await bot.calls.flow(customer, menu_flow())
    await bot.calls.script_callee(CALLEE, duration_ms=30_000)
    await bot.calls.settled(customer, (await bot.calls.call(customer, flow.id, CALLEE)).id)

    admin = await open_admin(bot)
    who = f"👤 Quokka Bakery · Telegram {owner.user_id} · {customer}"
    screens = []
    for key in (str(owner.user_id), customer, "quokka ba"):  # one match opens the customer at once
        mark = newest_message(admin)
        await find(admin, key)
        screens.append(await new_screen(admin, mark, who))
        await admin.press("Back")
    await find(admin, "QUOKKA b")
    await admin.wait_for_text("2 customers match")
    mark = newest_message(admin)
    await admin.press("Quokka Bakery")
    screens.append(await new_screen(admin, mark, who))

    assert len(set(screens)) == 1, screens
    by_name = screens[-1]
    balance = await wallet.stub.GetBalance(wallet_pb2.GetBalanceRequest(customer_id=customer))
    assert f"Balance: {Words('en').money(balance.available_cents)}" in by_name
    assert f"plan: {PRIME_7D}" in by_name
    assert "Trust tier: new (no flow of theirs has been reviewed" in by_name  # said, not a raw code
    assert "Recent flows:\n• Appointment reminder: ✅ approved" in by_name
    assert "Recent calls:\n• +1415•••123: answered (" in by_name and "hangup" not in by_name  # no provider code
    assert "Refund plan" in by_name  # the plan purchase is a charge an admin can refund
    assert "Suspend calling" in by_name


async def test_a_refund_asks_a_reason_and_tells_the_customer_once_in_their_language(bot: BotHarness) -> None:
    customer_person = await onboarded_in(bot, "fr", "Boulangerie Martin")
    customer = await charged(bot, customer_person, credit=1_000, debit=300)
    admin = await open_admin(bot)
    await find(admin, customer)
    await admin.press("Refund charge $3.00")
    await admin.wait_for_text("How much should be refunded")
    await admin.say("1,25")
    await admin.wait_for_text("Why are you refunding $1.25?")
    await admin.say("x" * 201)
    await admin.wait_for_text("A reason is 1 to 200 characters")
    await admin.say("The callee's line dropped twice")
    confirm = message_text(await admin.wait_for_text("Refund $1.25 to Boulangerie Martin"))
    assert f"Telegram {customer_person.user_id}" in confirm and "Reason: The callee's line dropped twice" in confirm
    assert await refunds_of(bot, customer) == []  # nothing before Yes

    question = admin.messages()[-1]
    yes = next(b["callback_data"] for row in question["reply_markup"]["inline_keyboard"] for b in row
               if "Yes, refund" in b["text"])
    delivery = await bot.telegram.press_button(admin.user_id, question["message_id"], callback_data=yes)
    assert delivery.delivered
    await admin.wait_for_text("Refunded $1.25")
    await admin.wait_for_text("The customer has been told")
    async with httpx.AsyncClient() as client:  # Telegram delivers the same press again
        again = await client.post(f"http://127.0.0.1:{bot.settings.speechcue_http_port}/telegram/webhook",
                                  json=delivery.update, headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET})
    assert again.json()["status"] == "duplicate"
    await forge_press(bot, admin, yes)  # and Yes arrives once more (a double tap: a new update)
    await admin.wait_for_text("That question was already answered")

    told = await customer_person.wait_for_text("Speechcue a remboursé")
    french = Words("fr")
    assert message_text(told).startswith(f"↩️ Speechcue a remboursé {french.money(125)} sur votre portefeuille.\n"
                                         "Motif : The callee's line dropped twice\n"
                                         f"Votre solde est maintenant de {french.money(825)}.")
    refunds = await refunds_of(bot, customer)
    assert [(r.amount_cents, r.memo) for r in refunds] == [(125, "The callee's line dropped twice")]
    assert sum("Speechcue a remboursé" in message_text(m) for m in customer_person.messages()) == 1
    rows = await audit_rows(bot, "refund")
    assert [(row["customer_id"], row["note"]) for row in rows] == [
        (customer, "$1.25 · The callee's line dropped twice")]


async def test_an_offered_refund_reason_reaches_the_customer_in_their_own_words(bot: BotHarness) -> None:
    customer_person = await onboarded_in(bot, "zh", "阳光面包")
    customer = await charged(bot, customer_person, credit=1_000, debit=300)
    admin = await open_admin(bot)
    await find(admin, customer)
    await admin.press("Refund charge $3.00")
    await admin.say("3")
    await admin.press("Poor call quality")
    await admin.wait_for_text("Reason: Poor call quality")
    await admin.press("Yes, refund")
    await admin.wait_for_text("Refunded $3.00")
    told = message_text(await customer_person.wait_for_text("已向您的钱包退款"))
    assert "原因：通话质量差" in told and Words("zh").money(300) in told
    assert [r.memo for r in await refunds_of(bot, customer)] == ["Poor call quality"]

    mark = newest_message(admin)
    await admin.press("Back")
    await new_screen(admin, mark, "阳光面包")
    await admin.press("Refund charge $3.00")
    await admin.wait_for_text("How much should be refunded")
    await admin.say("0.01")
    await admin.press("A goodwill gesture")
    await admin.press("Yes, refund")
    await admin.wait_for_text("more than what is left of this charge")  # the wallet's refusal, in words
    assert len(await refunds_of(bot, customer)) == 1


async def test_every_admin_confirmation_changes_nothing_on_no(bot: BotHarness) -> None:
    customer_person = await bot.onboarded("Careful Ltd")
    customer = await charged(bot, customer_person, credit=1_000, debit=300)
    pool = [n.number for n in (await bot.calls.stub.ListCallerIds(calls_pb2.ListCallerIdsRequest())).caller_ids]
    plans_before = (await bot.calls.wallet.stub.ListPlans(wallet_pb2.ListPlansRequest(include_inactive=True))).plans

    admin = await open_admin(bot)
    await find(admin, customer)
    await admin.press("Suspend calling")
    await admin.wait_for_text("Suspend calling for this customer?")
    await admin.press("No")
    await admin.wait_for_text("Nothing changed.")
    limits = await bot.calls.stub.GetCustomerLimits(calls_pb2.GetCustomerLimitsRequest(customer_id=customer))
    assert not limits.suspended

    mark = newest_message(admin)
    await admin.press("Back")
    await new_screen(admin, mark, "Careful Ltd")
    await admin.press("Refund charge $3.00")
    await admin.say("2")
    await admin.press("Charged by mistake")
    await admin.press("No")
    await admin.wait_for_text("Nothing changed.")
    assert await refunds_of(bot, customer) == []
    await admin.say("2")  # the question is gone with the No: a typed amount refunds nothing either
    await admin.wait_for_text("Please use the buttons below")
    assert await refunds_of(bot, customer) == []

    await admin.say("/menu")
    await admin.press("Admin")
    mark = newest_message(admin)
    await find(admin, customer)
    await new_screen(admin, mark, "Careful Ltd")
    await admin.press("Suspend calling")
    await admin.press("Yes, suspend")
    await admin.wait_for_text("suspended: yes")
    await admin.press("Allow calling again")
    await admin.wait_for_text("Let this customer call again?")
    await admin.press("No")
    await admin.wait_for_text("Nothing changed.")
    limits = await bot.calls.stub.GetCustomerLimits(calls_pb2.GetCustomerLimitsRequest(customer_id=customer))
    assert limits.suspended

    await admin.say("/menu")
    await admin.press("Admin")
    await admin.press("Plans and prices")
    await admin.press(PRIME_7D)
    asked = message_text(await admin.wait_for_text(f"💲 {PRIME_7D} costs"))
    assert "Send its new price" in asked
    await admin.say("99")
    await admin.wait_for_text(f"Change the price of {PRIME_7D} from")
    await admin.press("No")
    await admin.wait_for_text("Nothing changed.")
    plans_after = (await bot.calls.wallet.stub.ListPlans(wallet_pb2.ListPlansRequest(include_inactive=True))).plans
    assert plans_after == plans_before

    await admin.press("Back")
    await admin.press(PRIME_7D)
    await admin.wait_for_text("Send its new price")
    await admin.say("99")
    await admin.press("Yes, change the price")
    await admin.wait_for_text(f"💲 {PRIME_7D} now costs $99.00.")
    plans = (await bot.calls.wallet.stub.ListPlans(wallet_pb2.ListPlansRequest())).plans
    assert {p.code: p.price_cents for p in plans}["prime_7d"] == 9_900

    await admin.press("Back")
    await admin.press("Caller IDs")
    await admin.press(f"Stop using {pool[0]}")
    await admin.press("No")
    await admin.wait_for_text("Nothing changed.")
    now = [n.number for n in (await bot.calls.stub.ListCallerIds(calls_pb2.ListCallerIdsRequest())).caller_ids]
    assert now == pool
    assert [row["action"] for row in await audit_rows(bot)] == ["suspended", "plan_price"]


async def test_allowing_calls_again_resumes_exactly_the_campaigns_the_suspension_paused(bot: BotHarness) -> None:
    owner = await bot.onboarded("Refill Pharmacy")
    customer = await bot.customer_id(owner)
    await bot.calls.wallet.credit(customer, 5_000)
    flow = await bot.calls.flow(customer, menu_flow())
    bot.calls.retell.concurrency_limit = 1  # one long call at a time: the campaigns stay running
    numbers = [f"+1415555{n:04d}" for n in range(181, 187)]
    for number in numbers:
        await bot.calls.script_callee(number, duration_ms=7_000_000)
    campaigns = {}
    for index, name in enumerate(("Refills", "Reminders", "Mine to pause")):
        campaign = await bot.calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
            idempotency_key=bot.calls.key(f"campaign-{name}"), customer_id=customer, name=name, flow_id=flow.id,
            list="\n".join(numbers[2 * index:2 * index + 2]).encode(), max_minutes_per_call=60))
        await bot.calls.stub.StartCampaign(calls_pb2.CampaignActionRequest(
            idempotency_key=bot.calls.key(f"go-{name}"), customer_id=customer, campaign_id=campaign.id))
        campaigns[name] = campaign.id
    await bot.calls.stub.PauseCampaign(calls_pb2.CampaignActionRequest(
        idempotency_key=bot.calls.key("mine"), customer_id=customer, campaign_id=campaigns["Mine to pause"]))
    tomorrow = Timestamp()
    tomorrow.FromDatetime(bot.calls.clock.now + timedelta(days=1))
    later = await bot.calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key=bot.calls.key("campaign-later"), customer_id=customer, name="Tomorrow", flow_id=flow.id,
        list=b"+14155550199\n", max_minutes_per_call=60, start_at=tomorrow))
    assert later.status == calls_pb2.CAMPAIGN_STATUS_SCHEDULED

    admin = await open_admin(bot)
    await find(admin, customer)
    await admin.press("Suspend calling")
    await admin.press("Yes, suspend")
    await admin.wait_for_text("suspended: yes")
    await admin.press("Allow calling again")
    await admin.press("Yes, let them call")
    offer = message_text(await admin.wait_for_text("The suspension paused 3 campaigns. Resume them?"))
    assert "Refills" in offer and "Reminders" in offer and "Mine to pause" not in offer
    assert "• Tomorrow: scheduled for " in offer and "resumed, it waits for that time" in offer

    mine = (await statuses(bot, customer, campaigns))["Mine to pause"]
    assert mine[0] == calls_pb2.CAMPAIGN_STATUS_PAUSED and mine[1] != "CUSTOMER_SUSPENDED"
    await admin.press("Resume Reminders")
    rest = message_text(await admin.wait_for_text("1 campaign resumed."))
    assert "Resume Refills" in rest and "Resume Reminders" not in rest
    assert await statuses(bot, customer, campaigns) == {
        "Refills": (calls_pb2.CAMPAIGN_STATUS_PAUSED, "CUSTOMER_SUSPENDED"),
        "Reminders": (calls_pb2.CAMPAIGN_STATUS_RUNNING, ""),
        "Mine to pause": mine}
    # A forged button naming the customer's own pause resumes nothing: only the suspension's are offered.
    await forge_press(bot, admin, f"admrs:{customer}:{campaigns['Mine to pause'].replace('-', '')[:12]}")
    await admin.wait_for_text("0 campaigns resumed.")

    await admin.press("Resume all (2)")
    await admin.wait_for_text("No campaign paused by the suspension is waiting.")
    assert await statuses(bot, customer, {**campaigns, "Tomorrow": later.id}) == {
        "Refills": (calls_pb2.CAMPAIGN_STATUS_RUNNING, ""),
        "Reminders": (calls_pb2.CAMPAIGN_STATUS_RUNNING, ""),
        "Mine to pause": mine,
        "Tomorrow": (calls_pb2.CAMPAIGN_STATUS_SCHEDULED, "")}  # resumed to wait for its start
    resumed = [row["subject"].split()[0] for row in await audit_rows(bot, "campaign_resumed")]
    assert resumed[0] == campaigns["Reminders"] and sorted(resumed[1:]) == sorted([campaigns["Refills"], later.id])


def newest_message(person: Person) -> int:
    """The id of the newest message in the chat: taken before an action, so that its answer can be told
    from earlier screens however fast it arrives."""
    return max((m["message_id"] for m in person.messages()), default=0)


async def new_screen(admin: Person, mark: int, who: str, *, recent: str = "Recent calls") -> str:
    """The customer screen that arrived after `mark` (newest_message before the admin's action), as text."""
    found = await admin.wait_for(lambda m: m["message_id"] > mark and who in message_text(m)
                                 and recent in message_text(m), what="the customer screen")
    return message_text(found)


async def statuses(bot: BotHarness, customer: str, campaigns: dict[str, str]) -> dict[str, tuple[int, str]]:
    found = {}
    for name, campaign_id in campaigns.items():
        campaign = await bot.calls.stub.GetCampaign(calls_pb2.GetCampaignRequest(customer_id=customer,
                                                                                 campaign_id=campaign_id))
        found[name] = (campaign.status, campaign.pause_reason)
    return found


async def audit_rows(bot: BotHarness, action: str | None = None) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(bot.database_url)
    try:
        rows = await connection.fetch("SELECT * FROM admin_actions ORDER BY id")
    finally:
        await connection.close()
    return [row for row in rows if action is None or row["action"] == action]


# What an admin's chat may show in Latin letters whatever its language: codes, ids and the product's name.
LATIN_ALLOWED = re.compile(r"\b(?:[A-Z0-9-]{2,12}|Speechcue|IVR)\b|cus_(?:[0-9a-f]{20}|…)"
                           r"|[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}")


def chinese_flow() -> calls_pb2.FlowSpec:
    """A new customer's flow that waits for review (it collects digits, and keys in a row), in 中文."""
    return calls_pb2.FlowSpec(
        name="会员验证", kind=calls_pb2.FLOW_KIND_GRAPH, business_name="阳光药房", language="zh-CN",
        graph=calls_pb2.FlowGraph(start_node_id="n1", nodes=[
            calls_pb2.FlowNode(id="n1", kind=calls_pb2.NODE_KIND_COLLECT_DIGITS, text="请输入您的会员号。",
                               max_digits=4, edges=[calls_pb2.FlowEdge(key="next", target_node_id="n2")]),
            calls_pb2.FlowNode(id="n2", kind=calls_pb2.NODE_KIND_END, text="谢谢，再见。")]))


async def test_an_admin_whose_chat_is_in_chinese_reads_no_english_sentence(bot: BotHarness) -> None:
    words = Words("zh")

    def label(message_id: str) -> str:
        return first_line(words, message_id)

    admin = await onboarded_in(bot, "zh", "运营", user_id=ADMIN_ID)
    owner = await onboarded_in(bot, "zh", "阳光药房")
    customer = await charged(bot, owner, credit=1_000, debit=300)
    flow = await bot.calls.flow(customer, chinese_flow())
    assert flow.status == calls_pb2.FLOW_STATUS_PENDING_REVIEW and len(flow.review_reasons) >= 2
    await admin.wait_for_text(words("admin.review_waiting", name="会员验证"))  # the admins' note, in theirs
    await admin.press(label("menu.admin"))
    await admin.press(label("admin.figures_button"))
    await admin.wait_for_text(label("admin.figures_refresh"))
    await admin.press(label("menu.back"))
    await admin.press(label("admin.reviews"))
    await admin.press("1. 会员验证")
    review = message_text(await admin.wait_for_text(label("admin.review.reasons_title")))
    assert words("admin.why.place.step", step="n1") in review or "n1" in review
    await admin.press(label("admin.review.reject"))
    await admin.say("请不要收集会员号。")
    await admin.press(label("admin.review.yes_reject"))
    await owner.wait_for_text("请不要收集会员号。")

    await admin.say("/menu")
    await admin.press(label("menu.admin"))
    await admin.press(label("admin.lookup"))
    mark = newest_message(admin)
    await admin.say("阳光")
    await new_screen(admin, mark, customer, recent=label("admin.customer.recent_calls"))
    await admin.press(label("admin.refund_line"))
    await admin.say("1")
    await admin.press(label("admin.refund.reason_failed"))
    await admin.press(label("admin.refund.yes"))
    await admin.wait_for_text(label("admin.refund.customer_told"))
    await owner.wait_for_text("通话因我方原因失败")
    mark = newest_message(admin)
    await admin.press(label("menu.back"))
    await new_screen(admin, mark, customer, recent=label("admin.customer.recent_calls"))
    await admin.press(label("admin.suspend_customer"))
    await admin.press(label("admin.no"))
    mark = newest_message(admin)
    await admin.press(label("menu.back"))
    await new_screen(admin, mark, customer, recent=label("admin.customer.recent_calls"))
    await admin.press(label("admin.suspend_customer"))
    await admin.press(label("admin.yes_suspend"))
    await admin.wait_for_text(label("admin.resume_customer"))
    await admin.press(label("admin.resume_customer"))
    await admin.press(label("admin.yes_resume"))
    await admin.wait_for_text(label("admin.suspend_customer"))

    await admin.say("/menu")
    await admin.press(label("menu.admin"))
    await admin.press(label("admin.plans"))
    await admin.press(words.name_of("plan.name.prime_7d", ""))
    await admin.say("25")
    await admin.press(label("admin.plan.yes"))
    await admin.wait_for_text(words("admin.plan_priced", plan=words.name_of("plan.name.prime_7d", ""),
                                    price=words.money(2_500)))
    await admin.press(label("menu.back"))
    await admin.press(label("admin.caller_ids"))
    await admin.press_first("admcid:off:")
    await admin.press(label("admin.cid_yes_disable"))
    await admin.wait_for(lambda m: "⛔ +" in (m.get("text") or ""), what="the pool with a number stopped")
    await admin.press(label("menu.back"))
    await admin.press(label("admin.audit.button"))
    await admin.wait_for_text(label("audit.action.refund"))

    shown = LATIN_ALLOWED.sub(" ", admin.all_text())
    shown = re.sub(r"\bPool \d+\b", " ", shown)  # the operator's own labels of the pool's numbers, from Retell
    english = sorted(set(re.findall(r"[A-Za-z]{3,}", shown)))
    assert english == [], english
    assert len(re.findall(r"[\u4e00-\u9fff]", shown)) > 500  # the admin's screens really are in Chinese
