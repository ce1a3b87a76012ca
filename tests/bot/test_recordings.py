"""A recorded call's recording reaches the chat as MP3 audio Telegram plays (Retell's WAV fetched from
its storage, converted, uploaded), and one that cannot be delivered is explained and its fee refunded,
once however often the customer asks. An unrecorded call offers no recording at all."""

from __future__ import annotations

import io
import wave

import pytest

from services.bot.recordings import (
    RecordingLimits,
    RecordingNotDelivered,
    RecordingProblem,
    fetch_recording,
    is_mp3,
    playable_audio,
    recording_as_mp3,
)
from speechcue.wallet.v1 import wallet_pb2
from tests.bot.conftest import BotHarness, Person, at_the_call_quote, message_text
from tests.calls.conftest import CALLEE, menu_flow

RECORDING = "🎧 Recording"


async def recorded_call(bot: BotHarness, person: Person, customer: str, **scenario: object) -> None:
    """A 65-second call placed from the chat with the recording switched on, up to its outcome."""
    await bot.calls.flow(customer, menu_flow())
    await bot.calls.script_callee(CALLEE, duration_ms=65_000, **scenario)
    await at_the_call_quote(person, CALLEE)
    await person.press("Recording: off")
    await person.wait_for(lambda m: "Recording: on" in str(m.get("reply_markup")), what="the recording on")
    await person.press("Call now")
    await person.wait_for_button(RECORDING)


def audio_messages(person: Person) -> list[dict[str, object]]:
    return [message for message in person.messages() if "audio" in message or "document" in message]


async def test_a_recorded_calls_recording_arrives_as_mp3_audio_the_chat_plays(bot: BotHarness) -> None:
    person = await bot.onboarded()
    customer = await bot.customer_id(person)
    await bot.calls.wallet.credit(customer, 2_000)
    await recorded_call(bot, person, customer)
    charged = (await bot.calls.wallet.balance(customer)).available_cents

    await person.press(RECORDING)
    message = await person.wait_for(lambda m: "audio" in m, what="the recording as audio")
    audio = message["audio"]
    assert audio["mime_type"] == "audio/mpeg" and audio["file_name"].endswith(".mp3")
    assert is_mp3(bot.telegram.files[audio["file_id"]].content)
    assert message["caption"] == RECORDING
    # Delivered: the fee stays charged.
    assert (await bot.calls.wallet.balance(customer)).available_cents == charged


async def test_a_recording_that_cannot_be_fetched_is_explained_and_its_fee_refunded_once(bot: BotHarness) -> None:
    person = await bot.onboarded()
    customer = await bot.customer_id(person)
    await bot.calls.wallet.credit(customer, 2_000)
    await recorded_call(bot, person, customer, recording="gone")
    fee = bot.calls.settings.calls_recording_fee_cents
    price = bot.calls.wallet.settings.wallet_price_per_minute_cents
    assert (await bot.calls.wallet.balance(customer)).available_cents == 2_000 - 2 * price - fee

    await person.press(RECORDING)
    told = await person.wait_for_text("could not be fetched")
    assert "The recording fee has been refunded to your wallet." in message_text(told)
    assert (await bot.calls.wallet.balance(customer)).available_cents == 2_000 - 2 * price

    await person.press(RECORDING)  # asked again: told again, refunded only the first time
    await person.wait_for(lambda m: "could not be fetched" in message_text(m) and m["message_id"] != told["message_id"],
                          what="the second answer")
    assert (await bot.calls.wallet.balance(customer)).available_cents == 2_000 - 2 * price
    history = await bot.calls.wallet.stub.ListTransactions(wallet_pb2.ListTransactionsRequest(customer_id=customer))
    assert [t.amount_cents for t in history.transfers if t.kind == wallet_pb2.TRANSFER_KIND_REFUND] == [fee]
    assert audio_messages(person) == []
    ledger = await bot.calls.wallet.ledger()
    assert ledger.ok, ledger


async def test_an_unrecorded_call_offers_no_recording(bot: BotHarness) -> None:
    person = await bot.onboarded()
    customer = await bot.customer_id(person)
    await bot.calls.wallet.credit(customer, 2_000)
    await bot.calls.flow(customer, menu_flow())
    await bot.calls.script_callee(CALLEE, duration_ms=65_000, keys=[{"digit": "1", "at_ms": 2000}])
    await at_the_call_quote(person, CALLEE)
    await person.press("Call now")
    outcome = await person.wait_for_text("Keys pressed: 1")
    assert RECORDING not in message_text(outcome)
    await person.press("Main menu")
    await person.press("Results")
    await person.press_first("res:")
    shown = await person.wait_for(lambda m: "Back" in message_text(m) and "res:" not in str(m.get("reply_markup")),
                                  what="the call's outcome")
    assert RECORDING not in message_text(shown)
    assert audio_messages(person) == []


def wav(seconds: float, *, width: int = 2, channels: int = 1, rate: int = 8_000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(rate)
        out.writeframes(bytes(int(seconds * rate) * width * channels))
    return buffer.getvalue()


@pytest.mark.parametrize(("width", "channels", "rate"), [(1, 1, 8_000), (2, 1, 8_000), (2, 2, 24_000),
                                                         (3, 1, 16_000), (4, 2, 44_100)])
def test_wav_recordings_become_mp3_and_mp3_stays_as_it_is(width: int, channels: int, rate: int) -> None:
    mp3 = playable_audio(wav(1.5, width=width, channels=channels, rate=rate))
    assert is_mp3(mp3)
    assert playable_audio(mp3) == mp3


def test_a_file_neither_wav_nor_mp3_is_unreadable() -> None:
    with pytest.raises(RecordingNotDelivered) as refused:
        playable_audio(b"<html>not found</html>")
    assert refused.value.problem == RecordingProblem.UNREADABLE


async def test_a_link_off_the_recordings_origin_is_never_fetched() -> None:
    limits = RecordingLimits(frozenset({"https://dxc03zgurdly9.cloudfront.net"}), 1_000_000, 5.0)
    for url in ("http://169.254.169.254/latest/meta-data/", "https://dxc03zgurdly9.cloudfront.net.evil.example/r.wav",
                "http://dxc03zgurdly9.cloudfront.net/r.wav", "https://user@dxc03zgurdly9.cloudfront.net/r.wav",
                "file:///etc/passwd", "not a url"):
        with pytest.raises(RecordingNotDelivered) as refused:
            await fetch_recording(url, limits)
        assert refused.value.problem == RecordingProblem.UNAVAILABLE, url


async def test_a_recording_larger_than_allowed_is_too_big(bot: BotHarness) -> None:
    customer = await bot.calls.customer_with_money(2_000)
    flow = await bot.calls.flow(customer, menu_flow())
    await bot.calls.script_callee(CALLEE, duration_ms=20_000)
    placed = await bot.calls.call(customer, flow.id, CALLEE, record=True)
    call = await bot.calls.settled(customer, placed.id)
    origins = frozenset({bot.calls.sandbox_url})
    assert is_mp3(await recording_as_mp3(call.recording_url, RecordingLimits(origins, 10_000_000, 10.0)))
    for limits in (RecordingLimits(origins, 10_000, 10.0),  # the WAV is over what is fetched
                   RecordingLimits(origins, 10_000_000, 10.0, max_upload_bytes=1_000)):  # the MP3 over Telegram's
        with pytest.raises(RecordingNotDelivered) as refused:
            await recording_as_mp3(call.recording_url, limits)
        assert refused.value.problem == RecordingProblem.TOO_BIG
