"""Onboarding: /start → language → name → terms and timezone (accept or decline) → free trial, offered
once → main menu (DESIGN.md §5, flow 1). No e-mail and no phone number are asked for.

The timezone is asked on the terms screen rather than as a step of its own, to keep onboarding four
taps long: the screen names the zone suggested by the chat's language (timezones.py) and the time it
is there now, offers the language's likeliest zones as buttons and "Another zone…" to type one;
accepting the terms keeps the zone shown."""

from __future__ import annotations

from services.bot.formatting import local_time, zone_choice
from services.bot.i18n import LANGUAGES, Words
from services.bot.outgoing import Keyboard, button
from services.bot.routing import router
from services.bot.screens.home import back_home, show_home
from services.bot.timezones import likely_zones, read_timezone
from services.bot.trial_claims import claim_trial
from services.bot.turn import Turn
from services.bot.users import change_user, register_user
from speechcue.wallet.v1 import wallet_pb2

MAX_NAME_LENGTH = 64
TRIAL_PLAN = "trial"


def language_keyboard(*after: str) -> Keyboard:
    keyboard = Keyboard()
    codes = list(LANGUAGES)
    for first, second in zip(codes[::2], codes[1::2], strict=True):
        keyboard.row(button(LANGUAGES[first], "lang", first, *after), button(LANGUAGES[second], "lang", second, *after))
    return keyboard


@router.command("start", newcomers=True)
async def start(turn: Turn) -> None:
    """/start: the welcome, or the main menu for someone already onboarded."""
    if turn.user is not None and turn.user.onboarded:
        await show_home(turn)
        return
    if turn.user is None:
        turn.user = await register_user(turn.uow, turn.telegram_user_id, turn.chat_id, turn.telegram_language)
    turn.conversation.reset()
    turn.send(turn.words("onboarding.welcome"), language_keyboard())


async def ask_to_finish_onboarding(turn: Turn) -> None:
    """Anything but onboarding, from someone who has not finished it: back to where they were."""
    turn.outgoing = [message for message in turn.outgoing if message.method == "answerCallbackQuery"]
    turn.pressed_message_id = None
    if turn.user is None:
        await start(turn)
        return
    if turn.conversation.state == "onboarding.name":
        turn.send(turn.words("onboarding.ask_name"))
        return
    if turn.conversation.state == "onboarding.timezone":
        turn.send(turn.words("tz.ask"), Keyboard().row(button(turn.words("menu.back"), "terms", "show")))
        return
    if turn.user.name:
        show_terms(turn)
        return
    turn.send(turn.words("onboarding.welcome"), language_keyboard())


@router.button("lang", newcomers=True)
async def choose_language(turn: Turn, args: list[str]) -> None:
    """A language picked at onboarding or from Account."""
    code = args[0] if args and args[0] in LANGUAGES else "en"
    if turn.user is None:
        turn.user = await register_user(turn.uow, turn.telegram_user_id, turn.chat_id, code)
    turn.user = await change_user(turn.uow, turn.telegram_user_id, language=code)
    turn.words = Words(code)
    if turn.user.onboarded:
        turn.show(turn.words("account.language_changed", language=LANGUAGES[code]),
                  back_home(turn.words))
        return
    turn.conversation.expect("onboarding.name")
    turn.show(turn.words("onboarding.ask_name"))


@router.text("onboarding.name")
async def receive_name(turn: Turn, text: str) -> None:
    """The customer's (or business's) name, shown in calls' disclosure."""
    if turn.user is None:
        await start(turn)
        return
    if not text or len(text) > MAX_NAME_LENGTH or not text.isprintable():
        turn.send(turn.words("onboarding.bad_name", max=MAX_NAME_LENGTH))
        return
    turn.user = await change_user(turn.uow, turn.telegram_user_id, name=text)
    if turn.user.onboarded:
        turn.conversation.reset()
        turn.send(turn.words("account.name_changed", name=text), Keyboard().row(button(turn.words("menu.back_home"),
                                                                                        "home")))
        return
    # The chat language's likeliest zone, until the person picks another on the terms screen.
    turn.user = await change_user(turn.uow, turn.telegram_user_id, timezone=likely_zones(turn.user.language)[0])
    turn.conversation.reset()
    show_terms(turn)


def offered_zones(language: str, current: str) -> list[str]:
    """The zones offered as buttons: the language's likeliest, and the current one when it is not."""
    zones = list(likely_zones(language))
    return zones if current in zones else [current, *zones[:-2], zones[-1]]


def add_zone_buttons(keyboard: Keyboard, words: Words, zones: list[str], current: str, screen: str) -> Keyboard:
    """Two zones a row, the current one ticked, then "Another zone…" (`screen`:- asks to type it)."""
    buttons = [button(("✓ " if name == current else "") + zone_choice(name, words.language), screen, name)
               for name in zones]
    for start in range(0, len(buttons), 2):
        keyboard.row(*buttons[start:start + 2])
    return keyboard.row(button(words("tz.other"), screen, "-"))


def show_terms(turn: Turn) -> None:
    """The terms, and the timezone the account will have (the suggestion until another is picked)."""
    words = turn.words
    current = turn.user.timezone if turn.user is not None else "UTC"
    turn.conversation.reset()
    text = "\n\n".join([words("onboarding.terms"), words(
        "onboarding.tz_line", zone=current, time=local_time(turn.now(), current, words.language, with_date=False))])
    keyboard = add_zone_buttons(Keyboard(), words, offered_zones(words.language, current), current, "otz")
    turn.show(text, keyboard.row(button(words("onboarding.accept"), "terms", "yes"),
                                 button(words("onboarding.decline"), "terms", "no")))


@router.button("otz", newcomers=True)
async def pick_onboarding_timezone(turn: Turn, args: list[str]) -> None:
    """otz:<zone> picks a zone on the terms screen; otz:- asks to type one."""
    if turn.user is None:
        await start(turn)
        return
    if turn.user.onboarded:
        await show_home(turn)
        return
    if args and args[0] == "-":
        turn.conversation.expect("onboarding.timezone")
        turn.show(turn.words("tz.ask"), Keyboard().row(button(turn.words("menu.back"), "terms", "show")))
        return
    chosen = read_timezone(args[0]) if args else None
    if chosen is not None:
        turn.user = await change_user(turn.uow, turn.telegram_user_id, timezone=chosen)
    show_terms(turn)


@router.text("onboarding.timezone")
async def typed_onboarding_timezone(turn: Turn, text: str) -> None:
    """A zone typed at onboarding ("Europe/Berlin", "Berlin"); an unknown one is asked again."""
    if turn.user is None:
        await start(turn)
        return
    chosen = read_timezone(text)
    if chosen is None:
        turn.send(turn.words("tz.unknown", typed=text[:64]))
        return
    turn.user = await change_user(turn.uow, turn.telegram_user_id, timezone=chosen)
    if turn.user.onboarded:
        turn.conversation.reset()
        await show_home(turn)
        return
    show_terms(turn)


@router.button("terms", newcomers=True)
async def answer_terms(turn: Turn, args: list[str]) -> None:
    """Accepting opens the customer's wallet; declining leaves nothing behind but the choice to return."""
    if turn.user is None:
        await start(turn)
        return
    if turn.user.onboarded:
        await show_home(turn)
        return
    if args and args[0] == "show":
        show_terms(turn)
        return
    if not args or args[0] != "yes":
        turn.show(turn.words("onboarding.declined"), Keyboard().row(button(turn.words("onboarding.reconsider"),
                                                                            "terms", "show")))
        return
    await turn.services.wallet.OpenAccount(wallet_pb2.OpenAccountRequest(
        idempotency_key=f"open:{turn.user.customer_id}", customer_id=turn.user.customer_id), timeout=turn.timeout)
    turn.user = await change_user(turn.uow, turn.telegram_user_id, terms_accepted_at=turn.now())
    if turn.user.trial_offered:
        await show_home(turn)
        return
    turn.user = await change_user(turn.uow, turn.telegram_user_id, trial_offered=True)
    words = turn.words
    turn.show(words("onboarding.trial_offer"), Keyboard().row(button(words("onboarding.trial_take"), "trial", "yes"),
                                                              button(words("onboarding.trial_skip"), "trial", "no")))


@router.button("trial")
async def answer_trial(turn: Turn, args: list[str]) -> None:
    """The free trial, offered once (the wallet refuses a second one anyway), and held for a claim
    that looks like a device farm's (trial_screening.py)."""
    if args and args[0] == "yes":
        held = await claim_trial(turn.uow, telegram_user_id=turn.telegram_user_id, customer_id=turn.customer_id,
                                 name=turn.user.name if turn.user else "", now=turn.now(), settings=turn.settings)
        if held is not None:
            turn.send(turn.words("onboarding.trial_held", support=turn.settings.bot_support_contact))
        else:
            subscription = await turn.services.wallet.BuySubscription(wallet_pb2.BuySubscriptionRequest(
                idempotency_key=f"trial:{turn.customer_id}", customer_id=turn.customer_id, plan_code=TRIAL_PLAN),
                timeout=turn.timeout)
            turn.send(turn.words("onboarding.trial_started",
                                 minutes=turn.words.plural("count.minutes", subscription.single_minutes_left)))
        turn.pressed_message_id = None
    await show_home(turn)
