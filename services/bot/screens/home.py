"""The main menu and help."""

from __future__ import annotations

from services.bot.i18n import Words
from services.bot.outgoing import Keyboard, button
from services.bot.routing import router
from services.bot.turn import Turn


def home_keyboard(turn: Turn) -> Keyboard:
    words = turn.words
    keyboard = (Keyboard()
                .row(button(words("menu.call"), "call"), button(words("menu.campaigns"), "camps"))
                .row(button(words("menu.flows"), "flows"), button(words("menu.results"), "results"))
                .row(button(words("menu.wallet"), "wallet"), button(words("menu.account"), "account"))
                .row(button(words("menu.help"), "help")))
    if turn.is_admin:
        keyboard.row(button(words("menu.admin"), "adm"))
    return keyboard


def back_home(words: Words) -> Keyboard:
    """The one-button way back to the main menu, under answers that end a path (and refusals)."""
    return Keyboard().row(button(words("menu.back_home"), "home"))


async def show_home(turn: Turn) -> None:
    turn.conversation.reset()
    turn.show(turn.words("menu.title", name=turn.customer.name), home_keyboard(turn))


@router.button("home")
async def home(turn: Turn, args: list[str]) -> None:
    """The main menu."""
    await show_home(turn)


@router.command("menu")
async def menu_command(turn: Turn) -> None:
    """/menu: the main menu as a new message."""
    turn.pressed_message_id = None
    await show_home(turn)


@router.command("cancel")
async def cancel_command(turn: Turn) -> None:
    """/cancel: leaves whatever typed answer or wizard the chat is in, for the main menu."""
    before = (turn.conversation.state, dict(turn.conversation.data))
    turn.conversation.reset()
    left = before != (turn.conversation.state, turn.conversation.data)
    turn.send(turn.words("menu.cancelled") if left else turn.words("commands.nothing_to_cancel"), home_keyboard(turn))


@router.command("help", newcomers=True)
async def help_command(turn: Turn) -> None:
    """/help: how it works."""
    await show_help(turn, [])


@router.button("help", newcomers=True)
async def show_help(turn: Turn, args: list[str]) -> None:
    """Help: how it works, prices, the callee's protections, contact."""
    words = turn.words
    page = args[0] if args else "how"
    if page not in ("how", "prices", "rules", "contact"):
        page = "how"
    text = words(f"help.{page}", contact=turn.settings.bot_support_contact, overage=words.money(15),
                 support=turn.settings.bot_support_contact)
    keyboard = (Keyboard()
                .row(button(words("help.tab.how"), "help", "how"), button(words("help.tab.prices"), "help", "prices"))
                .row(button(words("help.tab.rules"), "help", "rules"),
                     button(words("help.tab.contact"), "help", "contact")))
    if turn.user is not None and turn.user.onboarded:
        keyboard.row(button(words("menu.back_home"), "home"))
    turn.show(text, keyboard)
