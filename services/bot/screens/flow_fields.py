"""Custom outcomes of a flow, from its options screen: up to five questions Retell's post-call analysis
answers after each call ("interested?" yes/no, "preferred day" one of a few options, a number, a short
text), each with a description the analysis reads and, for a yes/no or choice field, the answer that
makes the call a lead. Adding a field asks its type, its name, a choice field's options and its
description (which may be skipped); a field's own screen renames it, changes its options, description
or lead answer, or removes it.

The fields live in the wizard's draft (field_drafts.py) until Save, which sends them in the FlowSpec:
the calls service checks them again (custom_fields.field_problems, asked here before any change is
kept) and screens their words with the flow's. Every button carries the draft's id (flow_options.
draft_button), so a button of a saved, discarded or replaced draft changes nothing.
"""

from __future__ import annotations

from typing import Any

from services.bot.answer_texts import answer_words
from services.bot.field_drafts import draft_fields, entry_of, options_typed, problems_with
from services.bot.i18n import Words
from services.bot.outgoing import Keyboard
from services.bot.routing import router
from services.bot.screens.flow_options import draft_button, of_open_draft, with_open_draft
from services.bot.turn import Turn
from services.calls.custom_fields import (
    MAX_CHOICE,
    MAX_CHOICES,
    MAX_DESCRIPTION,
    MAX_FIELDS,
    MAX_NAME,
    MIN_CHOICES,
    CustomField,
    FieldType,
)

TYPE_IDS = {FieldType.YES_NO: "fields.type.yes_no", FieldType.CHOICE: "fields.type.choice",
            FieldType.NUMBER: "fields.type.number", FieldType.TEXT: "fields.type.text"}
# What a refused change says, by the calls service's problem code.
PROBLEM_IDS = {"BAD_FIELD_NAME": "fields.bad_name", "DUPLICATE_FIELD": "fields.duplicate",
               "BAD_CHOICES": "fields.bad_options", "BAD_FIELD_DESCRIPTION": "fields.bad_description",
               "TOO_MANY_FIELDS": "fields.too_many", "BAD_LEAD_ANSWER": "fields.bad_options"}
# The field being added or changed, kept in the conversation between its questions.
EDIT_KEY = "field_edit"


def problem_words(words: Words, code: str) -> str:
    """What is wrong, with the limit it is about ({max}: of a name, an option or a description)."""
    text_id = PROBLEM_IDS.get(code, "fields.bad_name")
    limit = {"fields.bad_options": MAX_CHOICE, "fields.bad_description": MAX_DESCRIPTION}.get(text_id, MAX_NAME)
    return words(text_id, max=limit, min=MIN_CHOICES, most=MAX_CHOICES, fields=MAX_FIELDS)


def field_lines(words: Words, field: CustomField) -> list[str]:
    lines = [words("fields.field_title", name=field.name, type=words(TYPE_IDS[field.type])),
             words("fields.description_line", description=field.description) if field.description
             else words("fields.no_description")]
    if field.type == FieldType.CHOICE:
        lines.append(words("fields.options_line", options=", ".join(field.choices)))
    if field.answers():
        lines.append(words("fields.lead_line", answer=answer_words(words, field.type, field.lead_answer))
                     if field.lead_answer else words("fields.no_lead"))
    return lines


def show_fields(turn: Turn, draft: dict[str, Any]) -> None:
    """The draft's fields, each a button to its screen; ➕ Add while fewer than five; back to the options."""
    words = turn.words
    turn.conversation.state = ""
    fields = draft_fields(draft)
    lines = [words("fields.title", name=draft["name"], max=MAX_FIELDS)]
    lines += [words("fields.list_line", name=field.name, type=words(TYPE_IDS[field.type])) for field in fields] or [
        words("fields.none")]
    keyboard = Keyboard()
    for index, field in enumerate(fields):
        keyboard.row(draft_button(f"✏️ {field.name}", draft, "ffld", index))
    if len(fields) < MAX_FIELDS:
        keyboard.row(draft_button(words("fields.add"), draft, "ffadd"))
    turn.show("\n".join(lines), keyboard.row(draft_button(words("menu.back"), draft, "fopts")))


def show_field(turn: Turn, draft: dict[str, Any], index: int) -> None:
    fields = draft_fields(draft)
    if not 0 <= index < len(fields):
        show_fields(turn, draft)
        return
    words, field = turn.words, fields[index]
    turn.conversation.state = ""
    keyboard = Keyboard().row(draft_button(words("fields.rename"), draft, "ffname", index),
                              draft_button(words("fields.describe"), draft, "ffdesc", index))
    if field.type == FieldType.CHOICE:
        keyboard.row(draft_button(words("fields.change_options"), draft, "ffopts", index))
    if field.answers():
        keyboard.row(draft_button(words("fields.choose_lead"), draft, "fflead", index))
    keyboard.row(draft_button(words("fields.remove"), draft, "ffdel", index))
    keyboard.row(draft_button(words("menu.back"), draft, "ffld"))
    turn.show("\n".join(field_lines(words, field)), keyboard)


def _index(args: list[str]) -> int:
    return int(args[0]) if args and args[0].isdigit() else -1


@router.button("ffld")
@of_open_draft
@with_open_draft
async def fields_screen(turn: Turn, args: list[str], draft: dict[str, Any]) -> None:
    """`ffld:<draft>` the fields; `ffld:<draft>:<n>` field n's screen."""
    if args:
        show_field(turn, draft, _index(args))
    else:
        show_fields(turn, draft)


@router.button("ffadd")
@of_open_draft
@with_open_draft
async def add_field(turn: Turn, args: list[str], draft: dict[str, Any]) -> None:
    """`ffadd:<draft>` asks the type; `ffadd:<draft>:<type>` asks the name."""
    words = turn.words
    if len(draft_fields(draft)) >= MAX_FIELDS:
        turn.send(problem_words(words, "TOO_MANY_FIELDS"))
        show_fields(turn, draft)
        return
    kind = next((kind for kind in FieldType if args and args[0] == kind.value), None)
    if kind is None:
        keyboard = Keyboard()
        for each, text_id in TYPE_IDS.items():
            keyboard.row(draft_button(words(text_id), draft, "ffadd", each.value))
        turn.show(words("fields.ask_type"), keyboard.row(draft_button(words("menu.back"), draft, "ffld")))
        return
    turn.conversation.data[EDIT_KEY] = {"at": -1, "type": kind.value}
    turn.conversation.state = "flow.field_name"
    turn.show(words("fields.ask_name", max=MAX_NAME), Keyboard().row(draft_button(words("menu.back"), draft, "ffld")))


def _editing(turn: Turn) -> dict[str, Any]:
    edit = turn.conversation.data.get(EDIT_KEY)
    return edit if isinstance(edit, dict) else {"at": -1, "type": FieldType.TEXT.value}


def _pending_field(draft: dict[str, Any], edit: dict[str, Any]) -> CustomField:
    """The field being changed (its draft entry), or the one being added as far as it was answered."""
    fields = draft_fields(draft)
    at = int(edit.get("at", -1))
    if 0 <= at < len(fields):
        return fields[at]
    return CustomField(name=str(edit.get("name") or ""), type=FieldType(str(edit.get("type") or "text")),
                       choices=tuple(edit.get("choices") or ()))


def _keep(turn: Turn, draft: dict[str, Any], edit: dict[str, Any], field: CustomField) -> None:
    """The field into the draft (changed in place, or added at the end), then its screen."""
    entries = draft.setdefault("fields", [])
    at = int(edit.get("at", -1))
    if 0 <= at < len(entries):
        entries[at] = entry_of(field)
    else:
        entries.append(entry_of(field))
        at = len(entries) - 1
    turn.conversation.data.pop(EDIT_KEY, None)
    show_field(turn, draft, at)


def _refused(turn: Turn, draft: dict[str, Any], edit: dict[str, Any], field: CustomField, codes: set[str]) -> bool:
    """Says what is wrong with `field` among `codes` (the question stays open); False when nothing is."""
    found = [problem for problem in problems_with(draft, int(edit.get("at", -1)), field) if problem.code in codes]
    if found:
        turn.send(problem_words(turn.words, found[0].code))
    return bool(found)


def _ask_description(turn: Turn, draft: dict[str, Any], *, skippable: bool) -> None:
    turn.conversation.state = "flow.field_description"
    keyboard = Keyboard()
    if skippable:
        keyboard.row(draft_button(turn.words("fields.skip"), draft, "ffskip"))
    turn.show(turn.words("fields.ask_description", max=MAX_DESCRIPTION),
              keyboard.row(draft_button(turn.words("menu.back"), draft, "ffld")))


def _ask_options(turn: Turn, draft: dict[str, Any]) -> None:
    turn.conversation.state = "flow.field_options"
    turn.show(turn.words("fields.ask_options", min=MIN_CHOICES, most=MAX_CHOICES),
              Keyboard().row(draft_button(turn.words("menu.back"), draft, "ffld")))


@router.text("flow.field_name")
@with_open_draft
async def receive_name(turn: Turn, text: str, draft: dict[str, Any]) -> None:
    edit = _editing(turn)
    field = _pending_field(draft, edit)
    renamed = CustomField(text.strip(), field.type, field.description, field.choices, field.lead_answer)
    if _refused(turn, draft, edit, renamed, {"BAD_FIELD_NAME", "DUPLICATE_FIELD"}):
        return
    if int(edit.get("at", -1)) >= 0:
        _keep(turn, draft, edit, renamed)
        return
    edit["name"] = renamed.name
    if renamed.type == FieldType.CHOICE:
        _ask_options(turn, draft)
    else:
        _ask_description(turn, draft, skippable=True)


@router.text("flow.field_options")
@with_open_draft
async def receive_options(turn: Turn, text: str, draft: dict[str, Any]) -> None:
    edit = _editing(turn)
    field = _pending_field(draft, edit)
    options = options_typed(text)
    # A lead answer that is no longer an option is dropped with it.
    lead = field.lead_answer if field.lead_answer in options else ""
    changed = CustomField(field.name, field.type, field.description, options, lead)
    if _refused(turn, draft, edit, changed, {"BAD_CHOICES"}):
        return
    if int(edit.get("at", -1)) >= 0:
        _keep(turn, draft, edit, changed)
        return
    edit["choices"] = list(options)
    _ask_description(turn, draft, skippable=True)


@router.text("flow.field_description")
@with_open_draft
async def receive_description(turn: Turn, text: str, draft: dict[str, Any]) -> None:
    edit = _editing(turn)
    field = _pending_field(draft, edit)
    described = CustomField(field.name, field.type, text.strip(), field.choices, field.lead_answer)
    if _refused(turn, draft, edit, described, {"BAD_FIELD_DESCRIPTION"}):
        return
    if _refused(turn, draft, edit, described, {"BAD_FIELD_NAME", "DUPLICATE_FIELD", "BAD_CHOICES"}):
        show_fields(turn, draft)  # the field was being added on an older question: start it again
        return
    _keep(turn, draft, edit, described)


@router.button("ffskip")
@of_open_draft
@with_open_draft
async def skip_description(turn: Turn, args: list[str], draft: dict[str, Any]) -> None:
    """A new field without a description: the analysis is asked by its name."""
    edit = _editing(turn)
    field = _pending_field(draft, edit)
    if int(edit.get("at", -1)) >= 0 or not field.name or _refused(
            turn, draft, edit, field, {"BAD_FIELD_NAME", "DUPLICATE_FIELD", "BAD_CHOICES"}):
        show_fields(turn, draft)
        return
    _keep(turn, draft, edit, field)


def _change(turn: Turn, draft: dict[str, Any], args: list[str]) -> int | None:
    """The index of an existing field the pressed button names, now being changed; None (and the fields
    shown) when there is none."""
    index = _index(args)
    if not 0 <= index < len(draft_fields(draft)):
        show_fields(turn, draft)
        return None
    turn.conversation.data[EDIT_KEY] = {"at": index}
    return index


@router.button("ffname")
@of_open_draft
@with_open_draft
async def rename_field(turn: Turn, args: list[str], draft: dict[str, Any]) -> None:
    if _change(turn, draft, args) is not None:
        turn.conversation.state = "flow.field_name"
        turn.show(turn.words("fields.ask_name", max=MAX_NAME),
                  Keyboard().row(draft_button(turn.words("menu.back"), draft, "ffld", args[0])))


@router.button("ffdesc")
@of_open_draft
@with_open_draft
async def describe_field(turn: Turn, args: list[str], draft: dict[str, Any]) -> None:
    if _change(turn, draft, args) is not None:
        _ask_description(turn, draft, skippable=False)


@router.button("ffopts")
@of_open_draft
@with_open_draft
async def change_options(turn: Turn, args: list[str], draft: dict[str, Any]) -> None:
    if _change(turn, draft, args) is not None:
        _ask_options(turn, draft)


@router.button("fflead")
@of_open_draft
@with_open_draft
async def choose_lead(turn: Turn, args: list[str], draft: dict[str, Any]) -> None:
    """`fflead:<draft>:<n>` the answers of field n; `…:<n>:<answer number>` makes it the lead answer,
    `…:<n>:-` none."""
    index = _index(args)
    fields = draft_fields(draft)
    if not 0 <= index < len(fields) or not fields[index].answers():
        show_fields(turn, draft)
        return
    field, words = fields[index], turn.words
    if len(args) > 1:
        answers = field.answers()
        choice = int(args[1]) if args[1].isdigit() and int(args[1]) < len(answers) else -1
        lead = answers[choice] if choice >= 0 else ""
        draft["fields"][index] = entry_of(CustomField(field.name, field.type, field.description, field.choices, lead))
        show_field(turn, draft, index)
        return
    keyboard = Keyboard()
    for number, answer in enumerate(field.answers()):
        mark = "⭐ " if answer == field.lead_answer else ""
        keyboard.row(draft_button(mark + answer_words(words, field.type, answer), draft, "fflead", index, number))
    keyboard.row(draft_button(words("fields.lead_none"), draft, "fflead", index, "-"))
    turn.show(words("fields.ask_lead", name=field.name),
              keyboard.row(draft_button(words("menu.back"), draft, "ffld", index)))


@router.button("ffdel")
@of_open_draft
@with_open_draft
async def remove_field(turn: Turn, args: list[str], draft: dict[str, Any]) -> None:
    """Removes field n from the draft (nothing is saved until Save)."""
    index = _index(args)
    entries = draft.get("fields") or []
    if 0 <= index < len(entries):
        del entries[index]
        turn.toast(turn.words("fields.removed"))
    show_fields(turn, draft)

