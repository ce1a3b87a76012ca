"""Which callees a re-call of a segment takes (services/calls/campaign_segments.py): by the outcome of
their last call, their menu choices and custom answers; never a do-not-call or opted-out number, never
a callee its campaign may still call."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.calls.call_outcomes import CallOutcome, FailureCause, OutcomeKind, failed
from services.calls.callee_reports import ReportCategory
from services.calls.campaign_segments import (
    CalleeResult,
    Segment,
    SegmentKind,
    countable_answers,
    in_segment,
    menu_choices,
    segment_counts,
    segment_of_code,
    segments_of,
)

ANSWERED = CallOutcome(OutcomeKind.ANSWERED)
NO_ANSWER = CallOutcome(OutcomeKind.NO_ANSWER)
BUSY = CallOutcome(OutcomeKind.BUSY)
VOICEMAIL = CallOutcome(OutcomeKind.VOICEMAIL)
OPTED_OUT = CallOutcome(OutcomeKind.OPTED_OUT)
REACHED, NOT_REACHED = ReportCategory.ANSWERED, ReportCategory.NOT_REACHED


def callee(category: ReportCategory = NOT_REACHED, outcome: CallOutcome | None = NO_ANSWER, *,
           keys: str = "", answers: dict[str, str] | None = None, blocked: bool = False) -> CalleeResult:
    return CalleeResult(category, outcome, frozenset(keys), tuple(sorted((answers or {}).items())), blocked)


def codes(result: CalleeResult) -> list[str]:
    return [segment.code for segment in segments_of(result)]


@pytest.mark.parametrize(("result", "expected"), [
    (callee(NOT_REACHED, NO_ANSWER), ["no_answer"]),
    (callee(NOT_REACHED, BUSY), ["busy"]),
    (callee(NOT_REACHED, VOICEMAIL), ["voicemail"]),
    (callee(ReportCategory.VOICEMAIL, VOICEMAIL), ["voicemail"]),
    (callee(ReportCategory.VOICEMAIL, None), ["voicemail"]),  # the category decides (a late voicemail)
    (callee(ReportCategory.VOICEMAIL, NO_ANSWER), ["voicemail"]),
    (callee(REACHED, ANSWERED), ["answered"]),
    (callee(REACHED, CallOutcome(OutcomeKind.TRANSFERRED, "+14155550100")), ["answered"]),
    (callee(ReportCategory.NOT_CALLED, None), ["not_called"]),
    (callee(REACHED, ANSWERED, keys="2"), ["answered", "key:2"]),
    (callee(REACHED, ANSWERED, keys="31"), ["answered", "key:1", "key:3"]),
    (callee(REACHED, ANSWERED, answers={"interested": "yes", "day": "Tue"}),
     ["answered", "field:day=Tue", "field:interested=yes"]),
    (callee(REACHED, ANSWERED, keys="1", answers={"interested": "no"}), ["answered", "key:1", "field:interested=no"]),
    # A failure no segment names, and a stop, are in none; their keys still are.
    (callee(NOT_REACHED, failed(FailureCause.INVALID_NUMBER)), []),
    (callee(REACHED, CallOutcome(OutcomeKind.STOPPED)), []),
    (callee(REACHED, CallOutcome(OutcomeKind.STOPPED), keys="1"), ["key:1"]),
    (callee(NOT_REACHED, None), []),
])
def test_a_done_callee_is_in_the_segments_of_its_last_call(result: CalleeResult, expected: list[str]) -> None:
    assert codes(result) == expected


@pytest.mark.parametrize("result", [
    callee(NOT_REACHED, NO_ANSWER, blocked=True),
    callee(ReportCategory.NOT_CALLED, None, blocked=True),
    callee(REACHED, ANSWERED, keys="1", answers={"interested": "yes"}, blocked=True),
    callee(REACHED, OPTED_OUT),
    callee(NOT_REACHED, OPTED_OUT, keys="9"),
], ids=["no answer, do-not-call", "not called, do-not-call", "answered, do-not-call", "opted out",
        "opted out by key"])
def test_a_do_not_call_or_opted_out_number_is_in_no_segment(result: CalleeResult) -> None:
    assert segments_of(result) == ()


@pytest.mark.parametrize("result", [
    callee(ReportCategory.WAITING, NO_ANSWER),
    callee(ReportCategory.WAITING, None),
    callee(ReportCategory.IN_PROGRESS, None),
    callee(ReportCategory.IN_PROGRESS, NO_ANSWER),
], ids=["waiting for a retry", "waiting for its first call", "in flight", "in flight after a miss"])
def test_a_callee_its_campaign_may_still_call_is_in_no_segment(result: CalleeResult) -> None:
    assert segments_of(result) == ()


@pytest.mark.parametrize(("code", "segment"), [
    ("no_answer", Segment(SegmentKind.NO_ANSWER)),
    ("busy", Segment(SegmentKind.BUSY)),
    ("voicemail", Segment(SegmentKind.VOICEMAIL)),
    ("not_called", Segment(SegmentKind.NOT_CALLED)),
    ("answered", Segment(SegmentKind.ANSWERED)),
    ("key:1", Segment(SegmentKind.KEY, key="1")),
    ("key:*", Segment(SegmentKind.KEY, key="*")),
    ("field:interested=yes", Segment(SegmentKind.FIELD, field="interested", value="yes")),
    ("field:preferred day=Tue", Segment(SegmentKind.FIELD, field="preferred day", value="Tue")),
    ("field:a=b=c", Segment(SegmentKind.FIELD, field="a", value="b=c")),
    ("key:12", None), ("key:", None), ("key:a", None), ("no_answer:1", None), ("field:=yes", None),
    ("field:interested=", None), ("field:interested", None), ("bogus", None), ("", None),
    ("field:x=" + "v" * 41, None), ("field:" + "n" * 41 + "=v", None),
])
def test_a_code_reads_back_into_its_segment(code: str, segment: Segment | None) -> None:
    assert segment_of_code(code) == segment
    if segment is not None:
        assert segment.code == code


@pytest.mark.parametrize(("keys", "places", "menu_keys", "expected"), [
    (["1"], ["menu>"], "menu=12", {"1"}),
    (["2"], ["menu>thanks"], "menu=12", {"2"}),
    (["1", "4", "8"], ["menu>pin", "pin>pin.2", "pin.2>"], "menu=12", {"1"}),
    (["9"], ["menu>sc_opt_out"], "menu=12", set()),
    (["1", "2"], [], "menu=12", set()),
    (["1", "2"], ["menu>"], "menu=12", set()),
    (["3"], ["menu>"], "menu=12", set()),  # a wrong key kept before wrong keys were dropped
    (["1", "3"], ["menu>other", "other>"], "menu=12;other=3", {"1", "3"}),
    (["1"], ["menu>"], "", set()),  # a call kept before the menus were
    ([], [], "menu=12", set()),
])
def test_menu_choices_are_the_kept_keys_pressed_at_a_menu(keys: list[str], places: list[str], menu_keys: str,
                                                          expected: set[str]) -> None:
    assert menu_choices(keys, places, menu_keys, "9") == frozenset(expected)


def test_counts_are_per_segment_in_the_buttons_order_without_empty_ones() -> None:
    callees = [callee(NOT_REACHED, NO_ANSWER)] * 12 + [callee(NOT_REACHED, VOICEMAIL)] * 3 + [
        callee(REACHED, ANSWERED, keys="2", answers={"interested": "yes"}),
        callee(REACHED, ANSWERED, keys="1", answers={"interested": "no"}),
        callee(NOT_REACHED, NO_ANSWER, blocked=True), callee(ReportCategory.NOT_CALLED, None)]
    counts = [(segment.code, count) for segment, count in segment_counts(callees)]
    assert counts == [("no_answer", 12), ("voicemail", 3), ("not_called", 1), ("answered", 2), ("key:1", 1),
                      ("key:2", 1), ("field:interested=no", 1), ("field:interested=yes", 1)]


FIELDS = [{"name": "interested", "type": "yes_no", "choices": [], "lead": "yes"},
          {"name": "day", "type": "choice", "choices": ["Mon", "Tue"], "lead": ""},
          {"name": "seats", "type": "number", "choices": [], "lead": ""},
          {"name": "note", "type": "text", "choices": [], "lead": ""}]


@pytest.mark.parametrize(("answers", "definitions", "expected"), [
    ({"interested": "yes", "day": "Tue", "seats": "3", "note": "call me"}, FIELDS,
     (("day", "Tue"), ("interested", "yes"))),
    ({"interested": "no"}, FIELDS, (("interested", "no"),)),
    ({"day": "Sunday"}, FIELDS, ()),               # not one of the choice's options
    ({"interested": "yes"}, [], ()),              # a call kept no definitions: nothing to trust
    ({"other": "yes"}, FIELDS, ()),               # a name the call's fields lack
    ({"interested": True}, FIELDS, ()),            # not as the row keeps an answer
    (None, FIELDS, ()), ("yes", FIELDS, ()), ({}, "garbage", ()),
])
def test_only_yes_no_and_choice_answers_are_segments(answers: object, definitions: object,
                                                     expected: tuple[tuple[str, str], ...]) -> None:
    assert countable_answers(answers, definitions) == expected


outcomes = st.sampled_from([ANSWERED, NO_ANSWER, BUSY, VOICEMAIL, OPTED_OUT, None,
                            CallOutcome(OutcomeKind.STOPPED), failed(FailureCause.BLOCKED)])
results = st.builds(CalleeResult, st.sampled_from(list(ReportCategory)), outcomes,
                    st.frozensets(st.sampled_from("0123456789*#"), max_size=3),
                    st.lists(st.tuples(st.sampled_from(["interested", "day"]), st.sampled_from(["yes", "no", "Tue"])),
                             max_size=2, unique_by=lambda pair: pair[0]).map(lambda pairs: tuple(sorted(pairs))),
                    st.booleans())


@given(st.lists(results, max_size=30))
def test_each_button_counts_exactly_the_callees_its_re_call_takes(callees: list[CalleeResult]) -> None:
    for segment, count in segment_counts(callees):
        assert count == sum(in_segment(segment, result) for result in callees) > 0
    for result in callees:
        if result.blocked or (result.outcome is not None and result.outcome.kind is OutcomeKind.OPTED_OUT):
            assert segments_of(result) == ()
        for segment in segments_of(result):
            assert segment_of_code(segment.code) == segment
