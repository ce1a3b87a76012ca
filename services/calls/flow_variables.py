"""Which variables a flow uses, which of them Retell fills in itself, what a list's header row makes
of its columns, and what one callee hears with their values. Pure: the calls service and the bot's
wizard ask the same questions of the same rules.

Why: a flow's words may carry `{{first_name}}`, `{{amount}}`, `{{due_date}}`, filled in per call from
the callee's line of the campaign list (Retell's `retell_llm_dynamic_variables`). Retell speaks a
variable it was not given as it stands ("When a dynamic variable is not assigned a value, it will
remain unchanged in the output": docs.retellai.com/build/dynamic-variables), so a callee would hear
"curly brace amount". Nothing the flow uses may therefore be missing when a call is placed:

- a list without a column for a variable the flow uses is refused, naming the variable;
- a list with lines whose cell for a used variable is empty is refused, naming those lines: the
  customer fills them in (or removes the lines) and sends the list again. There is no fallback
  word: a default chosen once for a whole list ("your amount of  is due") reads worse than a
  refusal the customer can fix in a minute;
- a single call ("Call now") has no list: a flow that uses list variables is refused there,
  naming them, and is called from a campaign.

Where a flow's words stand: every graph step's text (messages, menus, collect steps, transfers,
ends), the voicemail message, and an AI script's task. An AI script never has a value pasted into
its prompt: its `{{…}}` are rewritten and the values reach it only JSON-quoted in its data block
(flow_compiler.callee_data_value), but the task still needs the values, so they count as used. The
business name is said with its braces neutralised (flow_compiler.opening) and uses nothing.

Built in are Retell's own system variables ({{current_time}}, {{current_calendar}}, …): Retell
fills them on every call and no list supplies them. `name` is a list variable like any other,
with one courtesy kept from before: the list's name column (under any of call_lists.NAME_HEADERS)
also answers to `{{name}}`.

Header names become variables as `variable_name` says: "First Name" → first_name, "Due date" →
due_date, "Montant dû" → montant_du; a header that keeps no letter, starts with a digit, or takes a
name the platform reserves (sc_…, Retell's system variables) makes no variable.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from speechcue.calls.v1 import calls_pb2

# The most variables one call carries (StartCall's bound on `variables`), the name alias included.
MAX_LIST_VARIABLES = 20
MAX_VARIABLE_NAME = 40  # characters (StartCall's bound on a variable's key)
# Retell's own dynamic variables, filled on every call (docs.retellai.com/build/dynamic-variables).
SYSTEM_VARIABLES = frozenset({
    "current_agent_state", "previous_agent_state", "current_time", "current_calendar", "session_type",
    "session_duration", "direction", "user_number", "agent_number", "call_id",
})
# `{{current_time_Australia/Sydney}}`: the time in a named zone; the same for the calendar.
_SYSTEM_PREFIXES = ("current_time_", "current_calendar_")
# The platform's own variables (flow_compiler.CALLEE_DATA_VARIABLE is sc_callee_data).
RESERVED_PREFIX = "sc_"
# As Retell reads a reference in a static text (the Retell simulator reads it the same way).
REFERENCE = re.compile(r"\{\{\s*(\w+)\s*\}\}")
NAME_VARIABLE = "name"
# A call refused for variables its flow says and it has no value for (a single call has none).
FLOW_NEEDS_VARIABLES = "FLOW_NEEDS_VARIABLES"
# A list its campaign's flow cannot be said with: a variable without a column, or lines without a value.
LIST_LACKS_VARIABLES = "LIST_LACKS_VARIABLES"
# The first words previewed for a graph flow: its first texts up to the first step that waits.
MAX_PREVIEW_TEXTS = 4


def references(text: str) -> list[str]:
    """The variables `text` names, in order, each once: "Hi {{first_name}}, {{ amount }} is due,
    {{first_name}}" → ["first_name", "amount"]; "{{}}", "{first_name}" → []."""
    found: list[str] = []
    for match in REFERENCE.finditer(text):
        if match.group(1) not in found:
            found.append(match.group(1))
    return found


def is_built_in(name: str) -> bool:
    """Retell fills it on every call: "current_time" → True, "current_time_Europe/Paris" → True
    (only `\\w` names are references, so a zone with a slash is never one), "amount" → False."""
    return name in SYSTEM_VARIABLES or name.startswith(_SYSTEM_PREFIXES)


def flow_texts(spec: calls_pb2.FlowSpec) -> list[str]:
    """Every text of the flow in which Retell fills variables, or (an AI task) that reads them."""
    texts = [spec.ai_prompt] if spec.kind == calls_pb2.FLOW_KIND_AI_SCRIPT else [
        node.text for node in spec.graph.nodes]
    texts.append(spec.voicemail_message)
    return [text for text in texts if text]


def used_variables(spec: calls_pb2.FlowSpec) -> list[str]:
    """Every variable the flow's texts name, in order of first use, built-in ones included."""
    return references("\n".join(flow_texts(spec)))


def list_variables(spec: calls_pb2.FlowSpec) -> list[str]:
    """The variables a call of this flow must be given (by the callee's list line): those it uses
    that Retell does not fill itself."""
    return [name for name in used_variables(spec) if not is_built_in(name)]


def list_variables_of(serialized_spec: bytes) -> list[str]:
    """`list_variables` of a flow version as a flow row stores it (a serialized FlowSpec)."""
    return list_variables(calls_pb2.FlowSpec.FromString(serialized_spec))


def needs_variables_message(missing: list[str]) -> str:
    """Why a call without these values is refused, and what to do (the bot words its own)."""
    named = ", ".join(f"{{{{{name}}}}}" for name in missing)
    return (f"the flow says {named} and this call has no value for it; a single call has no list to fill it "
            f"from: call the flow from a campaign whose list has a column named {', '.join(missing)}")


def variable_name(header: str) -> str:
    """The variable a list column's header makes, or "" when it makes none. Worked examples:
    "First Name" → "first_name"; " due-date " → "due_date"; "Montant dû" → "montant_du";
    "AMOUNT (USD)" → "amount_usd"; "2nd line" → ""; "姓名" → ""; "sc_callee_data" → "";
    "current_time" → "" (Retell's own); a header of 60 letters → its first 40."""
    decomposed = unicodedata.normalize("NFKD", header)
    ascii_only = "".join(char for char in decomposed if not unicodedata.combining(char)).encode(
        "ascii", "ignore").decode()
    name = re.sub(r"[^a-z0-9]+", "_", ascii_only.lower()).strip("_")[:MAX_VARIABLE_NAME].rstrip("_")
    if not name or not name[0].isalpha() or name.startswith(RESERVED_PREFIX) or is_built_in(name):
        return ""
    return name


@dataclass(frozen=True)
class ListColumns:
    """What a list's header makes of its columns: for each column, its variable ("" for none: the
    phone column, a header that makes no variable, a repeat, one past the bound)."""

    variables: tuple[str, ...]

    @property
    def named(self) -> list[str]:
        return [name for name in self.variables if name]


def list_columns(header: Iterable[str], *, phone: int, name: int = -1) -> ListColumns:
    """The variables of a header row whose phone column is `phone` and name column `name` (-1: none).
    The name column also answers to `{{name}}` (one of the bound's places), so at most
    MAX_LIST_VARIABLES variables come from one list; a column named twice keeps its first."""
    seen: set[str] = set()
    bound = MAX_LIST_VARIABLES - (1 if name >= 0 else 0)
    variables: list[str] = []
    for index, cell in enumerate(header):
        variable = "" if index == phone else variable_name(cell)
        if variable in seen or len(seen) >= bound or (variable == NAME_VARIABLE and index != name and name >= 0):
            variable = ""
        if variable:
            seen.add(variable)
        variables.append(variable)
    return ListColumns(tuple(variables))


def missing_columns(needed: Iterable[str], variables: Iterable[str]) -> list[str]:
    """The variables a flow needs that no column of the list gives: (["first_name", "amount"],
    ["first_name", "name"]) → ["amount"]."""
    given = set(variables)
    return [name for name in needed if name not in given]


def lacking(needed: Iterable[str], values: Mapping[str, str]) -> list[str]:
    """The needed variables a callee's values leave empty (a cell of spaces is empty):
    (["first_name", "amount"], {"first_name": "Ada", "amount": " "}) → ["amount"]."""
    return [name for name in needed if not values.get(name, "").strip()]


def filled(text: str, values: Mapping[str, str]) -> str:
    """`text` as Retell speaks it with these values: each `{{name}}` replaced by its value, one not
    given left as it stands. ("Hi {{first_name}}, {{x}}", {"first_name": "Ada"}) → "Hi Ada, {{x}}"."""
    return REFERENCE.sub(lambda found: values.get(found.group(1), found.group(0)), text)


def first_texts(spec: calls_pb2.FlowSpec) -> list[str]:
    """A graph flow's first texts, as written: from its start step along each message's "next",
    up to and including the first step that waits for the callee or ends (at most MAX_PREVIEW_TEXTS).
    An AI script has none: its words are the agent's own, from its task."""
    if spec.kind != calls_pb2.FLOW_KIND_GRAPH:
        return []
    nodes = {node.id: node for node in spec.graph.nodes}
    texts: list[str] = []
    current, seen = spec.graph.start_node_id, set()
    while current in nodes and current not in seen and len(texts) < MAX_PREVIEW_TEXTS:
        seen.add(current)
        node = nodes[current]
        if node.text:
            texts.append(node.text)
        if node.kind != calls_pb2.NODE_KIND_MESSAGE:
            break
        current = next((edge.target_node_id for edge in node.edges if edge.key == "next"), "")
    return texts


def first_words(spec: calls_pb2.FlowSpec, values: Mapping[str, str]) -> list[str]:
    """What a callee with these values hears first after the disclosure: `first_texts` filled in."""
    return [filled(text, values) for text in first_texts(spec)]
