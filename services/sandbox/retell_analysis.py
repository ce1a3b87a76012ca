"""What the simulated Retell writes as a call's post-call analysis: the summary
(`call_analysis.call_summary`) and the answers to the agent's own analysis items
(`call_analysis.custom_analysis_data`).

Real Retell has its post-call model write the summary, in English unless told otherwise; an agent tells
it otherwise through `post_call_analysis_data` (retell-sdk agent_create_params): an item
`{"type": "system-presets", "name": "call_summary", "description": <prompt>}` replaces the summary's
prompt. The simulator follows such a prompt as a model would where it matters to a test, the language:
a prompt that asks for a language the simulator knows gets that language's summary; no prompt, or one
that names no language it knows, gets the scenario's English summary. A summary a test scripted for the
callee (`Scenario.summary` other than its default) is what the model wrote, taken as it stands: the
test wrote it in the language it expects. Nothing here comes from the platform's code: the language
names are the ones any prompt would use.

The other items of `post_call_analysis_data` (types `boolean`, `enum`, `number`, `string`, each with a
`name`) are questions the model answers; Retell reports the answers in `custom_analysis_data`, an
object keyed by the items' names (retell-sdk phone_call_response, CallAnalysis). The simulated model
answers what the scenario scripted for a name the agent asks about, as it stands (a test may script an
answer no field can have, as a model may write one), and leaves out a question nobody scripted, as the
model leaves out an optional item it found nothing for; a scripted name the agent does not ask about is
not reported, since Retell extracts only its schema's items.
"""

from __future__ import annotations

from typing import Any

# The words a prompt names a language by, and what the simulated model then writes.
SUMMARIES_BY_LANGUAGE: tuple[tuple[tuple[str, ...], str], ...] = (
    (("chinese", "中文"), "对方接听了电话并听完了留言。"),
    (("hindi", "हिंदी"), "व्यक्ति ने कॉल उठाई और संदेश सुना।"),
    (("french", "français"), "L'interlocuteur a décroché et a écouté le message."),
    (("spanish", "español"), "La persona contestó y escuchó el mensaje."),
    (("german", "deutsch"), "Die angerufene Person hat abgenommen und die Nachricht angehört."),
)


def summary_prompt(agent: dict[str, Any]) -> str:
    """The agent's call_summary preset prompt; '' when it has none."""
    for item in agent.get("post_call_analysis_data") or []:
        if isinstance(item, dict) and item.get("type") == "system-presets" and item.get("name") == "call_summary":
            return str(item.get("description") or "")
    return ""


def call_summary(agent: dict[str, Any], scripted: str, default: str) -> str:
    """The summary as Retell's model would write it for this agent: `scripted` when a test scripted one
    (it differs from the scenario's `default`), else in the language the agent's prompt asks for."""
    if scripted != default:
        return scripted
    prompt = summary_prompt(agent).lower()
    for names, summary in SUMMARIES_BY_LANGUAGE:
        if any(name in prompt for name in names):
            return summary
    return default


# The item types the model answers (retell-sdk agent_create_params: PostCallAnalysisData*AnalysisData).
ANSWERED_ITEM_TYPES = frozenset({"boolean", "enum", "number", "string"})


def custom_analysis_data(agent: dict[str, Any], scripted: dict[str, Any]) -> dict[str, Any]:
    """`custom_analysis_data` as Retell reports it for this agent: the scripted answers to its items."""
    names = [item["name"] for item in agent.get("post_call_analysis_data") or []
             if isinstance(item, dict) and item.get("type") in ANSWERED_ITEM_TYPES
             and isinstance(item.get("name"), str)]
    return {name: scripted[name] for name in names if name in scripted}
