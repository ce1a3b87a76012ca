"""The simulator keeps command menus as Telegram does: one list per scope and two-letter language
code, the list without a language for any other app language, and a regional code refused."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.sandbox.telegram_simulator import TelegramApiError, TelegramSimulator


@pytest.fixture
async def telegram() -> AsyncIterator[TelegramSimulator]:
    simulator = TelegramSimulator("123456:commands-token")
    yield simulator
    await simulator.close()


def menu(description: str) -> list[dict[str, str]]:
    return [{"command": "help", "description": description}]


async def test_each_language_gets_its_own_menu_and_the_others_the_default(telegram: TelegramSimulator) -> None:
    await telegram.call("setMyCommands", {"commands": menu("Help")})
    await telegram.call("setMyCommands", {"commands": menu("帮助"), "language_code": "zh"})

    assert await telegram.call("getMyCommands", {"language_code": "zh"}) == menu("帮助")
    assert await telegram.call("getMyCommands", {}) == menu("Help")
    assert await telegram.call("getMyCommands", {"language_code": "fr"}) == []  # only what was set for fr
    assert telegram.commands_for("zh") == menu("帮助")
    assert telegram.commands_for("fr") == menu("Help")  # what a French app shows
    assert telegram.commands_for("zh", {"type": "all_private_chats"}) == []


@pytest.mark.parametrize("code", ["zh-hans", "EN", "eng"])
async def test_a_code_that_is_not_two_letters_is_refused(telegram: TelegramSimulator, code: str) -> None:
    with pytest.raises(TelegramApiError) as refused:
        await telegram.call("setMyCommands", {"commands": menu("Help"), "language_code": code})
    assert refused.value.description == "Bad Request: invalid language code specified"
    assert telegram.commands == {}
