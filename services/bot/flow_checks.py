"""Whether Save will work for a wizard's draft, and which step is in the way. Pure.

One rule, one place: the draft is checked by the calls service's own `check_spec` (the function
CreateFlow refuses by), on the FlowSpec Save would send, so the wizard shows "✅ complete" only for a
draft Save accepts. The one difference is the allow-list of countries a transfer may reach, which is
the operator's setting: the bot checks it with CheckDestination when the number is typed, and the
calls service again on Save (a refusal then names the step, as here, from the refusal's metadata).

A problem names its step by its place in the draft (step 1 is the first one added) and the words
it says, the way the wizard showed it to the customer; the flow's own problems have step 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.bot.flow_drafts import spec_of
from services.calls.flow_specs import EVERY_COUNTRY, check_spec

# The message id that says what is wrong, by the calls service's problem code; other codes (which a
# draft the wizard built cannot have) read as `wizard.problem.other`.
PROBLEM_IDS = {
    "TEXT_MISSING": "wizard.problem.text_missing",
    "TEXT_TOO_LONG": "wizard.problem.text_too_long",
    "NO_END": "wizard.problem.no_end",
    "UNREACHABLE": "wizard.problem.unreachable",
    "OPT_OUT_KEY_TAKEN": "wizard.problem.opt_out_taken",
    "BAD_TRANSFER_NUMBER": "wizard.problem.transfer_number",
    "MENU_WITHOUT_KEYS": "wizard.problem.menu_without_keys",
    "DUPLICATE_KEY": "wizard.problem.duplicate_key",
    "WRONG_KEY_NEEDS_STEP": "wizard.problem.wrong_key_step",
    "BAD_REPEATS": "wizard.problem.repeats",
    "SILENCE_CANNOT_GO_TO": "wizard.problem.repeats",
    "BAD_BUSINESS_NAME": "wizard.problem.business_name",
    "EMPTY": "wizard.problem.empty",
    "CALLBACK_KEY_TAKEN": "wizard.problem.callback_key_taken",
    "CALLBACK_KEY_IS_OPT_OUT": "wizard.problem.callback_is_opt_out",
    "CALLBACK_NEEDS_MENU": "wizard.problem.callback_needs_menu",
}
OTHER_PROBLEM_ID = "wizard.problem.other"


@dataclass(frozen=True)
class DraftProblem:
    step: int  # 1-based place of the step in the draft; 0 for the flow as a whole
    node_id: str
    code: str

    @property
    def message_id(self) -> str:
        return PROBLEM_IDS.get(self.code, OTHER_PROBLEM_ID)


def step_number(draft: dict[str, Any], node_id: str) -> int:
    """The step's place in the draft (1 for the first), or 0 when the draft has no such step."""
    return next((index for index, node in enumerate(draft.get("nodes", []), start=1) if node["id"] == node_id), 0)


def draft_problems(draft: dict[str, Any], *, business_name: str) -> list[DraftProblem]:
    """Why Save would refuse the draft as it stands, first problem first; [] when Save will work.
    A graph with exits still open is not asked about: the wizard is still building it."""
    spec = spec_of(draft, business_name=business_name)
    return [DraftProblem(step_number(draft, problem.node_id), problem.node_id, problem.code)
            for problem in check_spec(spec, allowed_countries=EVERY_COUNTRY)]


def refusal_problems(draft: dict[str, Any], listed: str) -> list[DraftProblem]:
    """The problems of a CreateFlow refusal, from its `problems` metadata ("n2:NO_END; n3:TEXT_MISSING")."""
    found: list[DraftProblem] = []
    for item in listed.split(";"):
        node_id, _, code = item.strip().rpartition(":")
        if code:
            found.append(DraftProblem(step_number(draft, node_id), node_id, code))
    return found
