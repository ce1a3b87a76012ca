"""Onboarding: /start → language → name → terms (accept or decline) → free trial, offered once →
main menu (DESIGN.md §5, flow 1). No e-mail and no phone number are asked for."""

from __future__ import annotations

from services.bot.i18n import LANGUAGES, Words
from services.bot.outgoing import Keyboard, button
from services.bot.routing import router
from services.bot.screens.home import back_home, show_home
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
    turn.conversation.reset()
    show_terms(turn)


def show_terms(turn: Turn) -> None:
    words = turn.words
    turn.show(words("onboarding.terms"), Keyboard().row(button(words("onboarding.accept"), "terms", "yes"),
                                                        button(words("onboarding.decline"), "terms", "no")))


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
            turn.send(turn.words("onboarding.trial_started", minutes=subscription.single_minutes_left))
        turn.pressed_message_id = None
    await show_home(turn)
