"""A call's transcript, one tap from its outcome: `transcript:<call id>` (the customer's own call; the
calls service refuses anyone else's).

Telegram takes at most 4,096 characters a message, so the turns are packed into messages of at most
`MESSAGE_CHARACTERS`, never splitting a turn unless one turn alone is longer; at most
`MAX_MESSAGES` are sent, the last saying the rest was left out. The calls service bounds a
transcript too (services/calls/call_transcripts.py), so a long call costs a handful of messages.
"""

from __future__ import annotations

from services.bot.i18n import Words
from services.bot.outgoing import Keyboard, button
from services.bot.routing import router
from services.bot.turn import Turn
from speechcue.calls.v1 import calls_pb2

MESSAGE_CHARACTERS = 3_800
MAX_MESSAGES = 5
ROLE_IDS = {"agent": "outcome.transcript.agent", "user": "outcome.transcript.callee",
            "transfer_target": "outcome.transcript.transfer_target"}


def transcript_messages(words: Words, turns: list[calls_pb2.TranscriptTurn]) -> list[str]:
    """The turns as chat messages: "🤖 Agent: …" / "👤 Callee: …", packed, at most MAX_MESSAGES."""
    lines = [words(ROLE_IDS.get(turn.role, "outcome.transcript.callee"), text=turn.text) for turn in turns]
    messages: list[str] = []
    current = words("outcome.transcript.title")
    for line in lines:
        joined = f"{current}\n\n{line}"
        if len(joined) <= MESSAGE_CHARACTERS:
            current = joined
        elif len(line) <= MESSAGE_CHARACTERS:
            messages.append(current)
            current = line
        else:  # one turn longer than a message: it fills this one, then as many as it needs
            room = MESSAGE_CHARACTERS - len(current) - 2
            messages.append(f"{current}\n\n{line[:room]}" if room > 0 else current)
            line = line[max(room, 0):]
            while len(line) > MESSAGE_CHARACTERS:
                messages.append(line[:MESSAGE_CHARACTERS])
                line = line[MESSAGE_CHARACTERS:]
            current = line
    messages.append(current)
    messages = [message for message in messages if message.strip()]
    if len(messages) > MAX_MESSAGES:
        messages = messages[:MAX_MESSAGES]
        messages[-1] = messages[-1][:MESSAGE_CHARACTERS - 200] + "\n\n" + words("outcome.transcript.cut")
    return messages


@router.button("transcript")
async def show_transcript(turn: Turn, args: list[str]) -> None:
    """The call's transcript, as new messages below the outcome (which stays as it is)."""
    call_id = args[0] if args else ""
    transcript = await turn.services.calls.GetCallTranscript(calls_pb2.GetCallRequest(
        customer_id=turn.customer_id, call_id=call_id), timeout=turn.timeout)
    back = Keyboard().row(button(turn.words("menu.back"), "res", call_id))
    if not transcript.kept:
        turn.send(turn.words("outcome.transcript.none"), back)
        return
    messages = transcript_messages(turn.words, list(transcript.turns))
    for index, text in enumerate(messages):
        turn.send(text, back if index == len(messages) - 1 else None)
