"""What a simulated callee does, scripted per destination number: answer or not, keys pressed
with their timing (the flow's opt-out key is one of them), asking not to be called again, how long
the call lasts and how it ends, and how the webhooks are delivered (duplicated, delayed, reordered).
Tests and the local chat's callee panel set these."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field

Outcome = Literal["answer", "no_answer", "busy", "failed", "voicemail"]

# What Retell's post-call model writes unless a test scripts otherwise (retell_analysis.py).
DEFAULT_SUMMARY = "The callee listened to the message."


class KeyPress(BaseModel):
    digit: str = Field(pattern=r"^[0-9*#]$")
    at_ms: int = Field(default=1000, ge=0)


class Delivery(BaseModel):
    """How the webhooks of a call reach the service."""

    duplicates: int = Field(default=0, ge=0, le=20)
    delay_ms: int = Field(default=0, ge=0, le=3_600_000)
    # Send call_ended before call_started.
    reorder: bool = False
    # Events not sent at all (the recovery tick must find them by asking).
    drop: list[str] = Field(default_factory=list)
    # How long after call_ended Retell's post-call analysis (call_analyzed) comes: long enough, and a
    # voicemail its detection missed is learnt after the call was settled.
    analysis_delay_ms: int = Field(default=500, ge=0, le=3_600_000)


class Scenario(BaseModel):
    outcome: Outcome = "answer"
    ring_ms: int = Field(default=2000, ge=0, le=120_000)
    duration_ms: int = Field(default=20_000, ge=0, le=7_200_000)
    keys: list[KeyPress] = Field(default_factory=list, max_length=200)
    # The callee says "please stop calling me" this long into the call. With the agent's DNC detection
    # on, Retell confirms once and ends the call as user_requested_dnc; without it, it is only words.
    stop_calling_at_ms: int | None = Field(default=None, ge=0)
    hangup: str = "user_hangup"
    transfer_to: str = ""
    summary: str = DEFAULT_SUMMARY
    sentiment: Literal["Positive", "Negative", "Neutral", "Unknown"] = "Neutral"
    successful: bool = True
    # A machine answers (outcome "voicemail"): Retell's detection hears it and applies the agent's
    # voicemail_option (retell_voicemail.py), or misses it and only the analysis says in_voicemail.
    voicemail_detected: bool = True
    # What the post-call model answers to the agent's own analysis items, by item name (retell_analysis.py).
    answers: dict[str, Any] = Field(default_factory=dict, max_length=20)
    # Manual: the call rings until the callee panel answers, presses keys and hangs up.
    manual: bool = False
    delivery: Delivery = Field(default_factory=Delivery)
    # The call's recording link: served as a WAV file, or answering 404 (an expired link does).
    recording: Literal["wav", "gone"] = "wav"


DEFAULT_SCENARIO = Scenario()
DISCONNECTION_BY_OUTCOME = {"no_answer": "dial_no_answer", "busy": "dial_busy", "failed": "dial_failed",
                            "voicemail": "voicemail_reached"}


@dataclass
class ScenarioBook:
    by_number: dict[str, Scenario] = field(default_factory=dict)

    def for_number(self, number: str) -> Scenario:
        return self.by_number.get(number, DEFAULT_SCENARIO)
