"""The bot's command menu (the "/" button in Telegram): /start, /menu, /help and /cancel, described in
each of the bot's languages.

Telegram shows a person the list set for their app's language (a two-letter ISO 639-1 code), else the
list set without a language; so English is set both for `en` and as that default. `setMyCommands`
replaces a list with the same list, so every replica sets them at every start without harm: no lock,
no "already done" flag.
"""

from __future__ import annotations

from telegram import Bot, BotCommand

from services.bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, Words


def command_menu(words: Words) -> list[BotCommand]:
    """In the menu's order; each has its handler in services/bot/screens/ (onboarding, home)."""
    return [BotCommand("start", words("commands.start")), BotCommand("menu", words("commands.menu")),
            BotCommand("help", words("commands.help")), BotCommand("cancel", words("commands.cancel"))]


async def publish_commands(bot: Bot) -> None:
    """The command menu in every language, then the default list for any other language."""
    for language in LANGUAGES:
        await bot.set_my_commands(command_menu(Words(language)), language_code=language)
    await bot.set_my_commands(command_menu(Words(DEFAULT_LANGUAGE)))
