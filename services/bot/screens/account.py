"""Account: name, language and timezone. The timezone is offered as the chat language's likeliest
zones plus "Another zone…" (typed, read by timezones.read_timezone), the same way onboarding asks it."""

from __future__ import annotations

from services.bot.formatting import local_time
from services.bot.i18n import LANGUAGES
from services.bot.outgoing import Keyboard, button
from services.bot.routing import router
from services.bot.screens.onboarding import MAX_NAME_LENGTH, add_zone_buttons, language_keyboard, offered_zones
from services.bot.timezones import read_timezone
from services.bot.turn import Turn
from services.bot.users import change_user


def zone_now(turn: Turn, timezone: str) -> str:
    """"Europe/Paris · 08:00 (heure d’Europe centrale)": the zone's name and the time it is there now."""
    return f"{timezone} · {local_time(turn.now(), timezone, turn.words.language, with_date=False)}"


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
                    timezone=zone_now(turn, user.timezone)), keyboard)


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
        current = turn.customer.timezone
        keyboard = add_zone_buttons(Keyboard(), words, offered_zones(words.language, current), current, "tz")
        turn.conversation.reset()
        turn.show(words("account.ask_timezone", timezone=zone_now(turn, current)),
                  keyboard.row(button(words("menu.back"), "account")))
    else:
        await show_account(turn, [])


@router.button("tz")
async def pick_timezone(turn: Turn, args: list[str]) -> None:
    """tz:<zone> sets it; tz:- asks to type one."""
    if args and args[0] == "-":
        turn.conversation.expect("account.timezone")
        turn.show(turn.words("tz.ask"), Keyboard().row(button(turn.words("menu.back"), "acct", "tz")))
        return
    chosen = read_timezone(args[0]) if args else None
    if chosen is None:  # a button from before zones were named on them
        await account_action(turn, ["tz"])
        return
    await set_timezone(turn, chosen)


@router.text("account.timezone")
async def typed_timezone(turn: Turn, text: str) -> None:
    """A timezone by its IANA name or its city (Europe/Berlin, Berlin); an unknown one is asked again."""
    chosen = read_timezone(text)
    if chosen is None:
        turn.send(turn.words("tz.unknown", typed=text[:64]))
        return
    await set_timezone(turn, chosen)


async def set_timezone(turn: Turn, name: str) -> None:
    turn.user = await change_user(turn.uow, turn.telegram_user_id, timezone=name)
    turn.conversation.reset()
    turn.show(turn.words("account.timezone_changed", timezone=zone_now(turn, name)),
              Keyboard().row(button(turn.words("menu.back"), "account")))


__all__ = ["MAX_NAME_LENGTH"]
