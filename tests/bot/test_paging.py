"""Long lists page through the services' own pages: the flows list and the call results show a page,
Older reaches the rest and Newer comes back, with nothing shown twice or left out."""

from __future__ import annotations

from typing import Any

from tests.bot.conftest import BotHarness, Person, message_text
from tests.calls.conftest import menu_flow


def buttons_of(message: dict[str, Any], prefix: str) -> list[str]:
    return [b["callback_data"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row
            if b.get("callback_data", "").startswith(prefix)]


async def shown_after(person: Person, label: str, prefix: str, previous: list[str] | None = None) -> list[str]:
    """Presses `label` and returns the `prefix` buttons of the screen that replaces the list."""
    await person.press(label)
    screen = await person.wait_for(lambda m: bool(buttons_of(m, prefix)) and buttons_of(m, prefix) != previous,
                                   what=f"a page of {prefix}")
    return buttons_of(screen, prefix)


async def test_flows_and_results_page_through_everything_once(bot: BotHarness) -> None:
    person = await bot.onboarded()
    customer = await bot.customer_id(person)
    await bot.calls.wallet.credit(customer, 50_000)
    flows = []
    for index in range(7):
        spec = menu_flow()
        spec.name = f"Reminder {index}"
        flows.append(await bot.calls.flow(customer, spec))
    for index in range(13):
        await bot.calls.call(customer, flows[0].id, f"+141555502{index:02d}")

    first = await shown_after(person, "IVR flows", "flow:view:")
    second = await shown_after(person, "Older", "flow:view:", first)
    assert len(first) == bot.settings.bot_page_size == 6 and len(second) == 1
    assert sorted(first + second) == sorted(f"flow:view:{flow.id}" for flow in flows)
    assert await shown_after(person, "Newer", "flow:view:", second) == first

    await person.press("Main menu")
    newest = await shown_after(person, "Results", "res:")
    oldest = await shown_after(person, "Older", "res:", newest)
    assert (len(newest), len(oldest)) == (12, 1)
    assert len(set(newest + oldest)) == 13
    assert await shown_after(person, "Newer", "res:", oldest) == newest


async def test_the_wallet_history_pages_through_every_transfer_once(bot: BotHarness) -> None:
    person = await bot.onboarded()
    customer = await bot.customer_id(person)
    amounts = [f"${cents / 100:.2f}" for cents in range(101, 109)]
    for cents in range(101, 109):
        await bot.calls.wallet.credit(customer, cents)

    await person.press("Wallet")
    await person.press("History")
    newest = message_text(await person.wait_for(lambda m: "hist:1" in str(m.get("reply_markup")), what="page 1"))
    await person.press("Older")
    oldest = message_text(await person.wait_for(lambda m: "hist:0" in str(m.get("reply_markup")), what="page 2"))
    assert [sum(text.count(amount) for text in (newest, oldest)) for amount in amounts] == [1] * len(amounts)
    assert sum(amount in newest for amount in amounts) == bot.settings.bot_page_size
