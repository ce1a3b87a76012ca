"""A call's transcript: read from Retell's report (its turns, or its text when the report has no
list), bounded, and packed into Telegram-sized messages, at most five, the last saying what was left."""

from __future__ import annotations

import pytest

from services.bot.i18n import Words
from services.bot.screens.transcripts import MAX_MESSAGES, MESSAGE_CHARACTERS, transcript_messages
from services.calls.call_transcripts import MAX_CHARACTERS, MAX_TURNS, TranscriptTurn, transcript_turns
from speechcue.calls.v1 import calls_pb2


@pytest.mark.parametrize(("call", "expected"), [
    ({"transcript_object": [{"role": "agent", "content": "Hello.", "words": []},
                            {"role": "user", "content": " Who is this? "},
                            {"role": "dtmf", "digit": "1"}, {"role": "agent", "content": ""}]},
     [TranscriptTurn("agent", "Hello."), TranscriptTurn("user", "Who is this?")]),
    ({"transcript": "Agent: Hi\nUser: Who is this?\nit is late\n"},
     [TranscriptTurn("agent", "Hi"), TranscriptTurn("user", "Who is this?\nit is late")]),
    ({"transcript_object": [{"role": "transfer_target", "content": "Front desk."}]},
     [TranscriptTurn("transfer_target", "Front desk.")]),
    ({}, []), ({"transcript_object": "nonsense"}, []), (None, []), ("text", []),
])
def test_the_turns_are_read_from_retells_report(call: object, expected: list[TranscriptTurn]) -> None:
    assert transcript_turns(call) == expected


def test_a_transcript_is_bounded() -> None:
    many = {"transcript_object": [{"role": "user", "content": "x" * 100}] * (MAX_TURNS + 50)}
    turns = transcript_turns(many)
    assert len(turns) <= MAX_TURNS and sum(len(turn.text) for turn in turns) <= MAX_CHARACTERS


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_short_transcript_is_one_message_in_the_chats_words(language: str) -> None:
    words = Words(language)
    turns = [calls_pb2.TranscriptTurn(role="agent", text="Hello."), calls_pb2.TranscriptTurn(role="user", text="Hi")]
    assert transcript_messages(words, turns) == [
        "\n\n".join([words("outcome.transcript.title"), words("outcome.transcript.agent", text="Hello."),
                     words("outcome.transcript.callee", text="Hi")])]


def test_a_long_transcript_is_split_between_turns_and_cut_after_five_messages() -> None:
    words = Words("en")
    turns = [calls_pb2.TranscriptTurn(role="user", text=f"{index} " + "y" * 900) for index in range(40)]
    messages = transcript_messages(words, turns)
    assert len(messages) == MAX_MESSAGES and all(len(message) <= MESSAGE_CHARACTERS for message in messages)
    assert messages[-1].endswith(words("outcome.transcript.cut"))
    assert all(message.count("👤") >= 3 for message in messages[:-1])  # whole turns, not cut mid-way

    one_long_turn = transcript_messages(words, [calls_pb2.TranscriptTurn(role="agent", text="z" * 9000)])
    assert len(one_long_turn) == 3 and all(len(message) <= MESSAGE_CHARACTERS for message in one_long_turn)
