"""A call's recording as audio the chat can play: fetched from Retell's storage, made MP3, uploaded.

Why not hand Telegram the link: Retell's recordings are WAV files, and Telegram's sendAudio takes
only MP3 or M4A ("Your audio must be in the .MP3 or .M4A format"), by URL only up to 20 MB; a WAV
link is refused, so the bot fetches the file, converts it with LAME (the `lameenc` wheel: nothing to
install on the machine) and uploads it, within the 50 MB Telegram takes from a bot.

The link comes from the calls service, which read it from a webhook: it is fetched only when it
points at one of the configured origins (Retell's storage, `BOT_RECORDING_ORIGINS`), never following
a redirect, within a size and a time bound; anything else is a `RecordingNotDelivered` with the
reason the customer is told. This module does no billing: the caller refunds the fee of a recording
that could not be delivered (screens/results.py).
"""

from __future__ import annotations

import asyncio
import io
import wave
from dataclasses import dataclass
from enum import StrEnum

import httpx
import lameenc

from services.bot.settings import BotSettings

# Telegram's limit for a file a bot uploads (Bot API, sendAudio): "up to 50 MB in size".
TELEGRAM_UPLOAD_LIMIT_BYTES = 50 * 1024 * 1024
# Speech from a telephone line: 64 kbit/s keeps it clear and a 1-hour call near 29 MB.
MP3_BIT_RATE_KBPS = 64


class RecordingProblem(StrEnum):
    """Why a recording did not reach the chat (the customer reads each in their language)."""

    UNAVAILABLE = "unavailable"  # not on Retell's storage, gone, refused, or too slow to come
    TOO_BIG = "too_big"  # larger than we fetch, or than Telegram takes once made MP3
    UNREADABLE = "unreadable"  # neither WAV nor MP3


class RecordingNotDelivered(Exception):
    def __init__(self, problem: RecordingProblem, detail: str) -> None:
        super().__init__(f"{problem}: {detail}")
        self.problem = problem


@dataclass(frozen=True)
class RecordingLimits:
    # Scheme, host and port as "https://host[:port]": where recordings may be fetched from.
    origins: frozenset[str]
    max_download_bytes: int
    timeout_seconds: float
    max_upload_bytes: int = TELEGRAM_UPLOAD_LIMIT_BYTES


def recording_limits(settings: BotSettings) -> RecordingLimits:
    origins = frozenset(origin for value in settings.bot_recording_origins.split(",")
                        if (origin := origin_of(value.strip().rstrip("/"))) is not None)
    return RecordingLimits(origins, settings.bot_recording_max_download_bytes, settings.bot_recording_fetch_seconds)


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` of an http(s) URL without credentials, else None."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        return None
    if parsed.scheme not in ("http", "https") or not parsed.host or parsed.userinfo:
        return None
    port = f":{parsed.port}" if parsed.port is not None else ""
    return f"{parsed.scheme}://{parsed.host}{port}"


async def fetch_recording(url: str, limits: RecordingLimits) -> bytes:
    """The file at `url`, if it is on an allowed origin and no larger than the limit."""
    if origin_of(url) not in limits.origins:
        raise RecordingNotDelivered(RecordingProblem.UNAVAILABLE, "the link is not on the recordings' origin")
    try:
        async with httpx.AsyncClient(timeout=limits.timeout_seconds, follow_redirects=False) as client:
            return await asyncio.wait_for(_read(client, url, limits.max_download_bytes), limits.timeout_seconds)
    except (httpx.HTTPError, TimeoutError) as error:
        raise RecordingNotDelivered(RecordingProblem.UNAVAILABLE, type(error).__name__) from None


async def _read(client: httpx.AsyncClient, url: str, max_bytes: int) -> bytes:
    async with client.stream("GET", url) as response:
        if response.status_code != 200:
            raise RecordingNotDelivered(RecordingProblem.UNAVAILABLE, f"HTTP {response.status_code}")
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise RecordingNotDelivered(RecordingProblem.TOO_BIG, f"{declared} bytes declared")
        content = bytearray()
        async for chunk in response.aiter_bytes():
            content += chunk
            if len(content) > max_bytes:
                raise RecordingNotDelivered(RecordingProblem.TOO_BIG, f"over {max_bytes} bytes")
        return bytes(content)


def is_mp3(content: bytes) -> bool:
    # An ID3 tag, or an MPEG audio frame sync (11 set bits) with layer III.
    return content.startswith(b"ID3") or (len(content) > 1 and content[0] == 0xFF and content[1] & 0xE6 == 0xE2)


def _pcm16(frames: bytes, sample_width: int) -> bytes:
    """Little-endian samples of 1, 3 or 4 bytes as 16-bit ones (the most significant bytes kept)."""
    if sample_width == 2:
        return frames
    out = bytearray(len(frames) // sample_width * 2)
    if sample_width == 1:  # unsigned 8-bit: centre it and make it the high byte
        out[1::2] = frames.translate(bytes((value - 128) & 0xFF for value in range(256)))
    else:
        out[0::2] = frames[sample_width - 2::sample_width]
        out[1::2] = frames[sample_width - 1::sample_width]
    return bytes(out)


def wav_to_mp3(content: bytes) -> bytes:
    try:
        with wave.open(io.BytesIO(content), "rb") as recording:
            channels, width, rate = recording.getnchannels(), recording.getsampwidth(), recording.getframerate()
            frames = recording.readframes(recording.getnframes())
    except (wave.Error, EOFError) as error:
        raise RecordingNotDelivered(RecordingProblem.UNREADABLE, f"not a WAV file LAME reads: {error}") from None
    if channels not in (1, 2) or width not in (1, 2, 3, 4):
        raise RecordingNotDelivered(RecordingProblem.UNREADABLE, f"{channels} channels of {width} bytes")
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(MP3_BIT_RATE_KBPS)
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(channels)
    encoder.set_quality(5)
    try:
        return bytes(encoder.encode(_pcm16(frames, width)) + encoder.flush())
    except Exception as error:  # LAME refuses a sample rate it cannot resample, for one
        raise RecordingNotDelivered(RecordingProblem.UNREADABLE, f"LAME: {error}") from None


def playable_audio(content: bytes) -> bytes:
    """MP3 as it is, WAV made MP3; anything else cannot be played in the chat."""
    if is_mp3(content):
        return content
    if content.startswith(b"RIFF") and content[8:12] == b"WAVE":
        return wav_to_mp3(content)
    raise RecordingNotDelivered(RecordingProblem.UNREADABLE, "neither WAV nor MP3")


async def recording_as_mp3(url: str, limits: RecordingLimits) -> bytes:
    """The recording at `url` as MP3 that Telegram takes from a bot; RecordingNotDelivered otherwise."""
    content = await fetch_recording(url, limits)
    # LAME is CPU work of seconds for a long call: off the event loop, which serves every chat.
    audio = await asyncio.to_thread(playable_audio, content)
    if len(audio) > limits.max_upload_bytes:
        raise RecordingNotDelivered(RecordingProblem.TOO_BIG, f"{len(audio)} bytes as MP3")
    return audio
