"""The post-call summary comes in the call's language: every agent asks Retell for it through the
`call_summary` preset of `post_call_analysis_data` (retell-sdk agent_create_params), with a prompt
in the flow's language, and the Retell simulator writes its summary in the language such a prompt
asks for, as Retell's post-call model does."""

from __future__ import annotations

from typing import Any

import pytest

from services.calls.call_texts import CALL_TEXTS, texts_for
from services.calls.flow_compiler import compile_agent
from services.sandbox.retell_analysis import call_summary
from services.sandbox.retell_scenarios import DEFAULT_SUMMARY

LANGUAGE_NAMES = {"en": "English", "fr": "French", "hi": "Hindi", "zh": "Chinese", "es": "Spanish", "de": "German"}


def agent_for(language: str) -> dict[str, Any]:
    return compile_agent(name="n", response_engine={}, voice_id="v", language=language, webhook_url="u", dtmf={},
                         voicemail_message=None, business_name="Acme", opt_out_key="9", max_call_duration_ms=60_000)


@pytest.mark.parametrize("language", sorted(CALL_TEXTS))
def test_every_agent_asks_for_its_summary_in_the_calls_language(language: str) -> None:
    preset = agent_for(language)["post_call_analysis_data"]
    assert preset == [{"type": "system-presets", "name": "call_summary",
                       "description": texts_for(language).summary_instruction}]
    assert LANGUAGE_NAMES[language[:2]] in preset[0]["description"]


@pytest.mark.parametrize(("language", "summary"), [
    ("zh-CN", "对方接听了电话并听完了留言。"), ("hi-IN", "व्यक्ति ने कॉल उठाई और संदेश सुना।"),
    ("fr-FR", "L'interlocuteur a décroché et a écouté le message."), ("en-US", DEFAULT_SUMMARY),
    ("en-GB", DEFAULT_SUMMARY),
])
def test_the_simulated_retell_writes_the_summary_in_the_language_the_prompt_asks_for(
        language: str, summary: str) -> None:
    assert call_summary(agent_for(language), DEFAULT_SUMMARY, DEFAULT_SUMMARY) == summary


def test_without_a_summary_prompt_retell_writes_english_and_a_scripted_summary_stands() -> None:
    assert call_summary({"agent_id": "a"}, DEFAULT_SUMMARY, DEFAULT_SUMMARY) == DEFAULT_SUMMARY
    assert call_summary(agent_for("zh-CN"), "被叫方按2取消了预约。", DEFAULT_SUMMARY) == "被叫方按2取消了预约。"
