"""A call's transcript for its customer (GetCallTranscript), read from Retell's report of the call's
end as we keep it (`call_events.payload`, until the retention purges it: retention.py).

Why from the kept report, not from Retell: a call placed without recording is stored at Retell as
"basic_attributes_only" (data_storage.py), so Retell's get-call has no transcript for it, while the
`call_ended` webhook carried one; and our copy goes when the retention says, whatever Retell keeps.

Retell reports the transcript twice: `transcript_object`, one utterance per turn (retell-sdk's
`Utterance`: role "agent", "user" or "transfer_target", and `content`), and `transcript`, the same as
text ("Agent: …\\nUser: …"). The turns are read from the first, or parsed from the second when a
report has no list. Bounded: at most `MAX_TURNS` turns and `MAX_CHARACTERS` characters, the rest cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from services.calls.tables import call_events
from services.runtime.database import UnitOfWork

MAX_TURNS = 500
MAX_CHARACTERS = 40_000
ROLES = ("agent", "user", "transfer_target")
# The events whose body carries the transcript, in the order they are read.
REPORTS = ("call_analyzed", "call_ended")
_TEXT_PREFIXES = {"agent:": "agent", "user:": "user"}


@dataclass(frozen=True)
class TranscriptTurn:
    role: str
    text: str


def transcript_turns(call: Any) -> list[TranscriptTurn]:
    """The turns of a Retell call object (a webhook's `call`); [] when it carries none.

    {"transcript_object": [{"role": "agent", "content": "Hello."}]} → [agent: "Hello."];
    {"transcript": "Agent: Hi\\nUser: Who is this?"} → [agent: "Hi", user: "Who is this?"].
    Turns with another role or empty text are left out.
    """
    if not isinstance(call, dict):
        return []
    turns: list[TranscriptTurn] = []
    utterances = call.get("transcript_object")
    if isinstance(utterances, list) and utterances:
        for utterance in utterances:
            if isinstance(utterance, dict) and utterance.get("role") in ROLES:
                text = str(utterance.get("content") or "").strip()
                if text:
                    turns.append(TranscriptTurn(str(utterance["role"]), text))
    elif isinstance(call.get("transcript"), str):
        for line in call["transcript"].splitlines():
            prefix = line.split(":", 1)[0].lower() + ":" if ":" in line else ""
            if prefix in _TEXT_PREFIXES and line.split(":", 1)[1].strip():
                turns.append(TranscriptTurn(_TEXT_PREFIXES[prefix], line.split(":", 1)[1].strip()))
            elif turns and line.strip():  # a turn that runs over several lines
                turns[-1] = TranscriptTurn(turns[-1].role, f"{turns[-1].text}\n{line.strip()}")
    return bounded(turns)


def bounded(turns: list[TranscriptTurn]) -> list[TranscriptTurn]:
    """At most MAX_TURNS turns and MAX_CHARACTERS characters; the turn that crosses the limit is cut."""
    kept: list[TranscriptTurn] = []
    left = MAX_CHARACTERS
    for turn in turns[:MAX_TURNS]:
        if left <= 0:
            break
        kept.append(TranscriptTurn(turn.role, turn.text[:left]))
        left -= len(turn.text)
    return kept


async def call_transcript(uow: UnitOfWork, retell_call_id: str | None) -> list[TranscriptTurn]:
    """The call's turns from its latest kept report; [] if none is kept."""
    if not retell_call_id:
        return []
    rows = {event: payload for event, payload in (await uow.connection.execute(
        select(call_events.c.event, call_events.c.payload).where(
            call_events.c.retell_call_id == retell_call_id, call_events.c.event.in_(REPORTS)))).all()}
    for event in REPORTS:
        payload = rows.get(event)
        turns = transcript_turns(payload.get("call") if isinstance(payload, dict) else None)
        if turns:
            return turns
    return []
