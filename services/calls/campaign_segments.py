"""Which callees of a campaign a re-call of a segment takes: the one rule that both the counts on the
segment buttons and the new campaign's list are decided by. Pure: no I/O (campaign_recalls.py reads
the callees and builds the list).

Why one rule: the button says "No answer (12)" and the new campaign must call exactly those 12; were
the count a SQL filter and the list another, the two could disagree. Each callee is read once, into a
`CalleeResult` (its report category, its last call's outcome by the one outcome rule, the menu keys
kept on that call, its custom answers, and whether its number is on a do-not-call list), and
`in_segment` decides.

The rule:
- a callee on a do-not-call list, or whose last call ended in an opt-out, is in no segment (never
  called again);
- a callee its campaign may still call (waiting for its first call or a retry in a paused campaign, or
  with a call in flight) is in no segment: re-calling it now would call it twice;
- `not_called`: never called (the cancel came first);
- `voicemail`: the report's voicemail category (callee_reports.py: its last call reached a voicemail,
  reported at the call's end or late), or its last call's outcome says so;
- `no_answer`, `busy`: its last call ended that way (call_outcomes.py's outcome);
- `answered`: its last call connected to a person (answered, or transferred from there);
- `key:<k>`: `k` was a menu choice on its last call (a key pressed at a menu that is one of the menu's
  keys, not the opt-out: key_inputs.py; wrong keys are never kept);
- `field:<name>=<value>`: its last call's custom field `name` was answered `value`.
Examples: (not reached, no answer) → no_answer; (not reached, no answer, on the do-not-call list) →
nothing; (waiting, no answer) → nothing; (answered, menu choice 2, interested = yes) → answered,
key:2, field:interested=yes; (not called) → not_called; (answered, opted out) → nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from services.calls.call_outcomes import CallOutcome, OutcomeKind
from services.calls.callee_reports import ReportCategory
from services.calls.custom_fields import fields_from_value
from services.calls.flow_compiler import OPT_OUT_NODE
from services.calls.flow_rules import DIGIT_KEYS
from services.calls.key_inputs import menus_of, place_of, step_of

# A custom field's name and answer as a segment code carries them (custom_fields.py: names ≤ 40,
# choices ≤ 40 characters); no '=' in a name, which separates it from the value.
MAX_FIELD_TEXT = 40


class SegmentKind(StrEnum):
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    VOICEMAIL = "voicemail"
    NOT_CALLED = "not_called"
    ANSWERED = "answered"
    KEY = "key"
    FIELD = "field"


# The kinds a callee's last call decides, by its outcome.
OUTCOME_SEGMENTS = {OutcomeKind.NO_ANSWER: SegmentKind.NO_ANSWER, OutcomeKind.BUSY: SegmentKind.BUSY,
                    OutcomeKind.VOICEMAIL: SegmentKind.VOICEMAIL, OutcomeKind.ANSWERED: SegmentKind.ANSWERED,
                    OutcomeKind.TRANSFERRED: SegmentKind.ANSWERED}
# The categories of a callee its campaign may still call; every other one (answered, not reached, a
# voicemail, not called) it is done with.
STILL_CALLED = frozenset({ReportCategory.WAITING, ReportCategory.IN_PROGRESS})
_PLAIN_KINDS = (SegmentKind.NO_ANSWER, SegmentKind.BUSY, SegmentKind.VOICEMAIL, SegmentKind.NOT_CALLED,
                SegmentKind.ANSWERED)
_FIELD_NAME = re.compile(r"[^=\s][^=]{0,39}")


@dataclass(frozen=True, order=True)
class Segment:
    """A segment: its kind, and the key or the field and its answer it names."""

    kind: SegmentKind
    key: str = ""
    field: str = ""
    value: str = ""

    @property
    def code(self) -> str:
        """`no_answer`, `key:1`, `field:interested=yes` (see `segment_of_code`)."""
        if self.kind is SegmentKind.KEY:
            return f"{self.kind.value}:{self.key}"
        if self.kind is SegmentKind.FIELD:
            return f"{self.kind.value}:{self.field}={self.value}"
        return self.kind.value


def segment_of_code(code: str) -> Segment | None:
    """A code back into its segment; None for anything else: `key:1` → key 1, `key:12` → None,
    `field:day=Tue` → day = Tue, `field:=x` → None, `bogus` → None."""
    kind_text, separator, detail = code.partition(":")
    try:
        kind = SegmentKind(kind_text)
    except ValueError:
        return None
    if kind in _PLAIN_KINDS:
        return Segment(kind) if not separator else None
    if kind is SegmentKind.KEY:
        return Segment(kind, key=detail) if len(detail) == 1 and detail in DIGIT_KEYS else None
    field, equals, value = detail.partition("=")
    if not equals or not _FIELD_NAME.fullmatch(field) or not value or len(value) > MAX_FIELD_TEXT:
        return None
    return Segment(kind, field=field, value=value)


@dataclass(frozen=True)
class CalleeResult:
    """What a callee's segments are decided by (see the module docstring)."""

    category: ReportCategory
    outcome: CallOutcome | None
    menu_choices: frozenset[str] = frozenset()
    # The last call's custom answers: field name → answer.
    answers: tuple[tuple[str, str], ...] = ()
    # The number is on the platform's or the customer's do-not-call list.
    blocked: bool = False


def menu_choices(keys: Sequence[str], places: Sequence[str], menu_keys: str, opt_out_key: str = "") -> frozenset[str]:
    """The keys of a call that were menu choices, from what its row keeps (`digits`, `key_places`,
    `menu_keys`): a key pressed at one of the dialled version's menus that is one of its keys, and not
    the opt-out. Without a place for every key nothing can be told apart, and nothing is a choice.

    keys 1 at menu (menu keys 12) → {1}; keys 1 4 8 at menu, pin, pin.2 → {1}; key 9 at menu then
    sc_opt_out → {}; keys 1 2 without places → {}."""
    if not keys or len(places) != len(keys):
        return frozenset()
    menus = menus_of(menu_keys)
    chosen = set()
    for key, text in zip(keys, places, strict=True):
        place = place_of(text)
        step_id, _ = step_of(place.node)
        if place.entered_after == OPT_OUT_NODE or key == opt_out_key:
            continue
        if key in menus.get(step_id, frozenset()):
            chosen.add(key)
    return frozenset(chosen)


def countable_answers(answers: Any, definitions: Any) -> tuple[tuple[str, str], ...]:
    """A call's custom answers a segment can name, from what its row keeps (`custom_answers`, and the
    dialled version's `custom_fields`): those of a yes/no or choice field that are one of its answers.
    A number or a text answer is never a segment (there would be as many as callees).

    {"interested": "yes", "note": "call me"} with interested yes/no, note text → (("interested", "yes"),)"""
    if not isinstance(answers, dict):
        return ()
    fields = {field.name: field for field in fields_from_value(definitions)}
    return tuple(sorted((name, value) for name, value in answers.items()
                        if name in fields and isinstance(value, str) and value in fields[name].answers()))


def segments_of(callee: CalleeResult) -> tuple[Segment, ...]:
    """Every segment the callee is in, in the buttons' order (outcome, keys, answers)."""
    if callee.blocked or callee.category in STILL_CALLED:
        return ()
    if callee.outcome is not None and callee.outcome.kind is OutcomeKind.OPTED_OUT:
        return ()
    if callee.category is ReportCategory.NOT_CALLED:
        return (Segment(SegmentKind.NOT_CALLED),)
    found: list[Segment] = []
    if callee.category is ReportCategory.VOICEMAIL:  # the report's own category (callee_reports.py)
        found.append(Segment(SegmentKind.VOICEMAIL))
    elif callee.outcome is not None and callee.outcome.kind in OUTCOME_SEGMENTS:
        found.append(Segment(OUTCOME_SEGMENTS[callee.outcome.kind]))
    found.extend(Segment(SegmentKind.KEY, key=key) for key in sorted(callee.menu_choices))
    found.extend(Segment(SegmentKind.FIELD, field=name, value=value) for name, value in sorted(callee.answers)
                 if segment_of_code(Segment(SegmentKind.FIELD, field=name, value=value).code) is not None)
    return tuple(found)


def in_segment(segment: Segment, callee: CalleeResult) -> bool:
    """Whether a re-call of `segment` calls this callee (the module's rule)."""
    return segment in segments_of(callee)


def segment_counts(callees: Iterable[CalleeResult]) -> list[tuple[Segment, int]]:
    """How many callees each segment holds, segments with none left out, in the buttons' order: the
    outcome kinds first, then keys, then answers."""
    counts: dict[Segment, int] = {}
    for callee in callees:
        for segment in segments_of(callee):
            counts[segment] = counts.get(segment, 0) + 1
    order = {kind: index for index, kind in enumerate(SegmentKind)}
    return sorted(counts.items(), key=lambda item: (order[item[0].kind], item[0]))
