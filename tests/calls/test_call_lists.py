"""Lists of numbers from pasted text and uploaded files: garbage, duplicates, other countries,
empty files and oversized files all give clear reports, never an exception."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from services.calls.call_lists import MAX_NUMBERS, Callee, read_call_list


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
    assert report.callees == [Callee("+14155550123", "Ada"), Callee("+14155550124", "Grace")]
    assert report.invalid == 1


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
