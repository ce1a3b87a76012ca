"""Account: name, language and timezone."""

from __future__ import annotations

from services.bot.formatting import zone
from services.bot.i18n import LANGUAGES
from services.bot.outgoing import Keyboard, button
from services.bot.routing import router
from services.bot.screens.onboarding import MAX_NAME_LENGTH, language_keyboard
from services.bot.turn import Turn
from services.bot.users import change_user

COMMON_TIMEZONES = ("UTC", "America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London",
                    "Europe/Paris", "Asia/Kolkata", "Asia/Shanghai")


@router.button("account")
async def show_account(turn: Turn, args: list[str]) -> None:
    """The customer's settings."""
    words = turn.words
    user = turn.customer
    turn.conversation.reset()
    keyboard = (Keyboard().row(button(words("account.change_name"), "acct", "name"),
                               button(words("account.change_language"), "acct", "lang"))
                .row(button(words("account.change_timezone"), "acct", "tz"))
                .row(button(words("menu.back_home"), "home")))
    turn.show(words("account.title", name=user.name, language=LANGUAGES.get(user.language, user.language),
                    timezone=user.timezone), keyboard)


@router.button("acct")
async def account_action(turn: Turn, args: list[str]) -> None:
    words = turn.words
    action = args[0] if args else ""
    back = Keyboard().row(button(words("menu.back"), "account"))
    if action == "name":
        turn.conversation.expect("onboarding.name")
        turn.show(words("onboarding.ask_name"), back)
    elif action == "lang":
        turn.show(words("account.pick_language"), language_keyboard().row(button(words("menu.back"), "account")))
    elif action == "tz":
        keyboard = Keyboard()
        for index, name in enumerate(COMMON_TIMEZONES):
            keyboard.row(button(name, "tz", index))
        keyboard.row(button(words("menu.back"), "account"))
        turn.conversation.expect("account.timezone")
        turn.show(words("account.ask_timezone"), keyboard)
    else:
        await show_account(turn, [])


@router.button("tz")
async def pick_timezone(turn: Turn, args: list[str]) -> None:
    index = int(args[0]) if args and args[0].isdigit() else 0
    await set_timezone(turn, COMMON_TIMEZONES[index % len(COMMON_TIMEZONES)])


@router.text("account.timezone")
async def typed_timezone(turn: Turn, text: str) -> None:
    """A timezone by its IANA name, e.g. Europe/Berlin."""
    if len(text) > 64 or zone(text).key != text:
        turn.send(turn.words("account.bad_timezone"))
        return
    await set_timezone(turn, text)


async def set_timezone(turn: Turn, name: str) -> None:
    turn.user = await change_user(turn.uow, turn.telegram_user_id, timezone=name)
    turn.conversation.reset()
    turn.show(turn.words("account.timezone_changed", timezone=name),
              Keyboard().row(button(turn.words("menu.back"), "account")))


__all__ = ["MAX_NAME_LENGTH"]
