"""What the simulated Retell does when a machine answers: what Retell's voicemail detection does with
the agent's `voicemail_option` (retell-sdk agent_create_params, VoicemailOption).

Retell "will try to detect voicemail in the first 3 minutes of the call. Actions defined (hangup, or
leave a message) will be applied when the voicemail is detected. Set this to null to disable voicemail
detection." So, for a callee whose machine answers (`Scenario.outcome == "voicemail"`):
- a `voicemail_option` and a detection that hears the machine (`Scenario.voicemail_detected`): the
  machine's greeting, then the action: `hangup` hangs up; `static_text` speaks its text (the call's
  `{{dynamic variables}}` filled in, as in every static text), and `prompt` the words its prompt asks
  for, then hangs up. The call ends as `voicemail_reached`, billed for the seconds it lasted.
- no `voicemail_option`, or a detection that misses: the agent runs its script into the machine and
  the call ends as any call does; only the post-call analysis (`call_analysis.in_voicemail`, in
  `call_analyzed`) says a machine answered.
Either way the analysis reports `in_voicemail: true` (phone_call_response: "Whether the call is
entered voicemail"). Nothing here comes from the platform's code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

VOICEMAIL_REACHED = "voicemail_reached"
# How long the simulated detection listens to the machine's greeting before it acts.
DETECTION_MS = 3_000
# How long a spoken message lasts: about 150 words a minute.
MS_PER_CHARACTER = 70
MACHINE_GREETING = "Hi, you have reached my voicemail. Please leave a message after the tone."


@dataclass(frozen=True)
class VoicemailLeft:
    """A detected voicemail: how long the call lasted, and its transcript (the greeting, the message)."""

    talked_ms: int
    transcript: tuple[dict[str, Any], ...]
    message: str


def detected_voicemail(agent: dict[str, Any], *, detected: bool,
                       speak: Callable[[str], str]) -> VoicemailLeft | None:
    """What the agent's voicemail option does with a machine; None when nothing detects it (no option,
    or the detection missed). `speak` fills a static text's variables as the call speaks them."""
    option = agent.get("voicemail_option")
    if not detected or not isinstance(option, dict):
        return None
    action = option.get("action")
    action = action if isinstance(action, dict) else {}
    entries: list[dict[str, Any]] = [{"role": "user", "content": MACHINE_GREETING, "words": []}]
    message = ""
    text = action.get("text")
    if action.get("type") in ("static_text", "prompt") and isinstance(text, str):
        message = speak(text)
        entries.append({"role": "agent", "content": message, "words": []})
    return VoicemailLeft(DETECTION_MS + len(message) * MS_PER_CHARACTER, tuple(entries), message)
