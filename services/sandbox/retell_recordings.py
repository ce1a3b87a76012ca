"""The recordings the Retell simulator serves at a call's `recording_url`, as Retell does: a WAV file
(Retell's links end in `.wav`) fetched without the API key, like a link on Retell's storage.

What is recorded is a tone as long as the call was (capped, to keep tests light), at telephone
quality: 8 kHz, 16-bit, mono. A scenario can make the link fail (`recording: gone`: 404, as an
expired link answers) so the delivery of a recording that cannot be fetched is tested too.
"""

from __future__ import annotations

import io
import math
import struct
import wave

SAMPLE_RATE = 8_000
MAX_SECONDS = 30
TONE_HZ = 440.0


def recording_wav(talked_ms: int) -> bytes:
    """A WAV recording of a call that talked `talked_ms` (at least 1 s, at most MAX_SECONDS)."""
    seconds = min(MAX_SECONDS, max(1, math.ceil(talked_ms / 1000)))
    one_second = b"".join(struct.pack("<h", int(8_000 * math.sin(2 * math.pi * TONE_HZ * n / SAMPLE_RATE)))
                          for n in range(SAMPLE_RATE))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(one_second * seconds)
    return buffer.getvalue()
