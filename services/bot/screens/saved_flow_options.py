"""What a saved flow's view (flows.py, `flow:view`) says of the two options that have screens of their
own, its custom outcomes (flow_fields.py) and its callback offer (flow_callbacks.py), and the buttons
that open the flow's editor straight at those screens: `edopen:<flow id>:fields` and
`edopen:<flow id>:callback` (flow_editing.open_editor), where Back leads to the options and Save sends
the new version as any edit does.

The view reads the saved flow as the editor would (flow_drafts.draft_of), so it says the fields and
the offer in the same words as the options screen: "• interested? — ✅ Yes / no", "📞 Callback: press 8
at a menu to be called back in 1 hour". An AI script has no menus, so it offers no callback and its view
names none.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.bot.callback_drafts import callback_line
from services.bot.field_drafts import draft_fields
from services.bot.flow_drafts import draft_of
from services.bot.i18n import Words
from services.bot.outgoing import Button, button
from services.bot.screens.flow_callbacks import ask_delay
from services.bot.screens.flow_fields import TYPE_IDS, show_fields
from services.bot.turn import Turn
from speechcue.calls.v1 import calls_pb2

FIELDS = "fields"
CALLBACK = "callback"
# The editor's screen each button opens, by the name its button carries after the flow's id.
EDITORS: dict[str, Callable[[Turn, dict[str, Any]], None]] = {FIELDS: show_fields, CALLBACK: ask_delay}


def offers_callback(flow: calls_pb2.Flow) -> bool:
    return flow.spec.kind != calls_pb2.FLOW_KIND_AI_SCRIPT


def saved_options_text(words: Words, flow: calls_pb2.Flow) -> str:
    """The flow's custom outcomes (each its name and kind) and, for a node flow, its callback offer."""
    draft = draft_of(flow, edit_id="")
    fields = draft_fields(draft)
    lines = [words("flowview.fields"), *(words("fields.list_line", name=field.name, type=words(TYPE_IDS[field.type]))
                                         for field in fields)] if fields else [words("flowview.no_fields")]
    if offers_callback(flow):
        lines.append(callback_line(words, draft))
    return "\n".join(lines)


def saved_options_buttons(words: Words, flow: calls_pb2.Flow) -> list[Button]:
    """📋 Custom outcomes (n) and, for a node flow, 📞 Callback: each opens the editor at its screen."""
    buttons = [button(words("fields.option", fields=len(flow.spec.custom_fields)), "edopen", flow.id, FIELDS)]
    if offers_callback(flow):
        buttons.append(button(words("callback.option"), "edopen", flow.id, CALLBACK))
    return buttons
