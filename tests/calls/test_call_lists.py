"""Lists of numbers from pasted text and uploaded files: garbage, duplicates, other countries,
empty files and oversized files all give clear reports, never an exception."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from services.calls.call_lists import MAX_NUMBERS, read_call_list


def test_pasted_numbers_are_normalised_deduplicated_and_garbage_is_reported() -> None:
    report = read_call_list("+1 415 555 0123\n\n(415) 555-0124\nhello\n+14155550123\n+44 20 7183 8750\n12",
                            default_region="US")
    assert [callee.number for callee in report.callees] == ["+14155550123", "+14155550124", "+442071838750"]
    assert (report.invalid, report.duplicates, report.lines_read) == (2, 1, 7)
    assert report.invalid_examples == ["hello", "12"] and report.duplicate_examples == ["+14155550123"]
    assert not report.refusal


def test_csv_with_header_takes_the_phone_and_name_columns() -> None:
    data = "Name;Phone Number;Notes\nAda;+14155550123;vip\nGrace;+1 415 555 0124;\n;;\nBob;nonsense;x\n"
    report = read_call_list(data.encode("utf-8-sig"))
    assert [(callee.number, callee.name) for callee in report.callees] == [("+14155550123", "Ada"),
                                                                           ("+14155550124", "Grace")]
    assert report.invalid == 1
    # Every other column is a variable too (flow_variables.py): Notes is {{notes}}.
    assert report.variables == ["name", "notes"]
    assert [report.values_of(callee) for callee in report.callees] == [{"name": "Ada", "notes": "vip"},
                                                                       {"name": "Grace"}]


def test_empty_and_hopeless_lists_are_refused_with_a_reason() -> None:
    assert read_call_list(b"").refusal == "the list has no numbers in it"
    assert read_call_list(b"\n \n").refusal == "the list has no numbers in it"
    assert "country code" in read_call_list("5550123\nabc").refusal
    assert "MB" in read_call_list(b"+14155550123\n" * 700_000).refusal


def test_a_list_over_the_limit_keeps_the_first_numbers_and_counts_the_rest() -> None:
    lines = "\n".join(f"+1415{index:07d}" for index in range(MAX_NUMBERS + 1))
    report = read_call_list(lines)
    valid = len(report.callees) + report.over_limit
    assert len(report.callees) <= MAX_NUMBERS and report.invalid + valid == MAX_NUMBERS + 1
    assert report.lines_read == MAX_NUMBERS + 1


@settings(max_examples=200)
@given(st.binary(max_size=2000) | st.text(max_size=2000).map(str.encode))
def test_any_bytes_give_a_report_not_an_exception(data: bytes) -> None:
    report = read_call_list(data)
    assert report.refusal or report.callees
    assert len({callee.number for callee in report.callees}) == len(report.callees)


def test_numbers_whose_owner_is_paid_are_dropped_with_their_reason() -> None:
    data = "+1 900 234 5678\n+44 871 234 5678\n+14155550123\n+49 180 1234 5\n+1 800 234 5678\n+19002345678\n"
    report = read_call_list(data, default_region="US")
    assert [callee.number for callee in report.callees] == ["+14155550123"]
    assert report.refused == 4 and report.duplicates == 1  # the second +1 900 is a duplicate, not a refusal
    assert [(refusal.number, refusal.reason) for refusal in report.refused_examples] == [
        ("+19002345678", "PREMIUM_RATE"), ("+448712345678", "PREMIUM_RATE"), ("+4918012345", "SHARED_COST"),
        ("+18002345678", "NUMBER_TYPE_NOT_ALLOWED")]
    assert not report.refusal


def test_numbers_in_countries_the_list_cannot_call_are_dropped_naming_the_country() -> None:
    data = "+14155550123\n+442071838750\n+81312345678\n"
    report = read_call_list(data, callable_countries=frozenset({"US", "GB"}))
    assert [callee.number for callee in report.callees] == ["+14155550123", "+442071838750"]
    assert report.refused == 1 and report.refused_examples[0].reason == "COUNTRY_NOT_ALLOWED"
    assert "Japan" in report.refused_examples[0].message
    # None checks only the kind of line.
    assert len(read_call_list(data).callees) == 3


def test_a_list_of_only_refused_numbers_is_refused_saying_why() -> None:
    report = read_call_list("+449012345678\n+448712345678\n")
    assert not report.callees and "premium-rate" in report.refusal
    mixed = read_call_list("+449012345678\n+18002345678\n")
    assert "premium-rate" in mixed.refusal and "landlines and mobiles" in mixed.refusal
