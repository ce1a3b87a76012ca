"""A refused re-call in the customer's words (services/bot/screens/campaign_segments.py): each reason
the calls service gives has its own words in every language, naming what it names (the segment, the
campaign, the variables), and its ways on; a reason without words of its own is left to the caller.
Pure: the refusals are built as the calls service sends them, without a server."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2

from services.bot.callback_data import unpack
from services.bot.i18n import LANGUAGES, Words
from services.bot.screens.campaign_segments import (
    RECALL_REFUSALS,
    WAY_LABELS,
    recall_refusal,
    refusal_variables,
    ways_on,
)

CAMPAIGN_ID = "6f1c2a9e-3b7d-4d0e-9a51-0c2b7e5d9f10"
FLOW_ID = "0b8e4f2c-1d3a-4e5f-8a9b-7c6d5e4f3a2b"


class Refused(grpc.aio.AioRpcError):
    """A refusal with its ErrorInfo reason and metadata, as the calls service's interceptor sends it."""

    def __init__(self, reason: str, metadata: dict[str, str] | None = None) -> None:
        detail = any_pb2.Any()
        detail.Pack(error_details_pb2.ErrorInfo(reason=reason, metadata=metadata or {}))
        status = status_pb2.Status(code=9, message="", details=[detail])
        super().__init__(grpc.StatusCode.FAILED_PRECONDITION, grpc.aio.Metadata(),
                         grpc.aio.Metadata(("grpc-status-details-bin", status.SerializeToString())))


@pytest.mark.parametrize("language", sorted(LANGUAGES))
@pytest.mark.parametrize("reason", sorted(RECALL_REFUSALS))
def test_each_refusal_has_its_own_words_and_ways_in_every_language(language: str, reason: str) -> None:
    words = Words(language)
    refused = recall_refusal(words, Refused(reason, {"missing": "amount"}), campaign="Reminders",
                             segment="No answer")
    assert refused is not None
    text, ways = refused
    text_id, _ = RECALL_REFUSALS[reason]
    assert text != text_id and "{" not in text.replace("{{amount}}", "")
    assert ways and "campaign" in ways  # always a way back
    for way in ways:
        assert words(WAY_LABELS[way]) != WAY_LABELS[way]
    if language != "en":  # its own words, not English
        english = recall_refusal(Words("en"), Refused(reason, {"missing": "amount"}), campaign="Reminders",
                                 segment="No answer")
        assert english is not None and text != english[0]


def test_the_words_name_the_segment_the_campaign_and_the_variables() -> None:
    words = Words("en")

    def text(reason: str, metadata: dict[str, str] | None = None) -> str:
        refused = recall_refusal(words, Refused(reason, metadata), campaign="Reminders", segment="Voicemail")
        assert refused is not None
        return refused[0]

    assert "“Voicemail”" in text("SEGMENT_EMPTY") and "do-not-call" in text("SEGMENT_EMPTY")
    assert "“Reminders” is calling again" in text("CAMPAIGN_STATE")
    assert "This flow says {{first_name}}, {{amount}}" in text(
        "LIST_LACKS_VARIABLES", {"missing": "first_name,amount", "lines": "", "lacking": "0"})
    assert "waiting for review" in text("FLOW_NOT_APPROVED")


@pytest.mark.parametrize(("metadata", "expected"), [
    ({"missing": "first_name,amount", "lines": "", "lacking": "0"}, ["first_name", "amount"]),
    ({"missing": "", "lines": "3:amount;4:first_name,amount", "lacking": "2"}, ["amount", "first_name"]),
    ({}, []),
])
def test_the_variables_come_from_the_missing_columns_else_the_lines(metadata: dict[str, str],
                                                                    expected: list[str]) -> None:
    assert refusal_variables(Refused("LIST_LACKS_VARIABLES", metadata)) == expected


@pytest.mark.parametrize("reason", ["BAD_SEGMENT", "INSUFFICIENT_FUNDS", ""])
def test_a_refusal_without_words_here_is_left_to_the_caller(reason: str) -> None:
    assert recall_refusal(Words("en"), Refused(reason), campaign="Reminders", segment="Busy") is None


def test_the_ways_on_lead_to_other_callees_another_flow_the_same_again_and_the_campaign() -> None:
    keyboard = ways_on(Words("en"), ("segments", "flows", "again", "campaign"), campaign_id=CAMPAIGN_ID, segment=2,
                       flow_id=FLOW_ID)
    pressed = [(button.label, unpack(button.data)) for row in keyboard.rows for button in row]
    assert pressed == [("👥 Other callees", ["rcall", CAMPAIGN_ID]), ("🔀 Another flow", ["rcseg", "2"]),
                       ("🔄 Try again", ["rcflow", FLOW_ID]), ("⬅️ Back to the campaign", ["camp", "view", CAMPAIGN_ID])]
    assert all(len(row) <= 2 for row in keyboard.rows)
