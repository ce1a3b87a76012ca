"""Where a list is parsed (services/calls/list_imports.py, list_parse_worker.py): every place gives the
report `read_call_list` gives, and what travels back from a worker keeps every field."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.calls.call_lists import read_call_list
from services.calls.list_imports import ListParser
from services.calls.list_parse_worker import parse_to_columns, report_from_columns

LIST = (b"name,phone\nAda Lovelace,+1 415 555 0100\n\"Hopper, Grace\",(415) 555-0101\nnobody,n/a\n"
        b"Ada again,+14155550100\n,+44 20 7946 0958\n")

lines = st.lists(st.one_of(
    st.sampled_from(["+14155550123", "(415) 555-0124", "+44 20 7946 0958", "n/a", "", "415.555.0125",
                     "+1 415 555 0123"]),
    st.text(alphabet="0123456789+-() ,;\"abc", max_size=20)), max_size=30)


@given(lines=lines, region=st.sampled_from(["US", "GB", None]))
def test_columns_sent_back_by_a_worker_rebuild_the_same_report(lines: list[str], region: str | None) -> None:
    data = "\n".join(lines).encode()
    travelled = pickle.loads(pickle.dumps(parse_to_columns(data, default_region=region)))
    assert report_from_columns(travelled) == read_call_list(data, default_region=region)


@pytest.mark.parametrize("parse_in", ["process", "thread", "event_loop"])
async def test_every_place_the_parse_can_run_gives_the_same_report(parse_in: str) -> None:
    parser = ListParser(parse_in)  # type: ignore[arg-type]
    try:
        report = await parser.parse(LIST, "US")
    finally:
        parser.close()
    assert report == read_call_list(LIST, default_region="US")
    assert [callee.number for callee in report.callees] == ["+14155550100", "+14155550101", "+442079460958"]
    assert report.invalid == 1 and report.duplicates == 1


async def test_a_worker_process_reads_the_variables_and_refuses_lines_without_a_used_one() -> None:
    data = b"phone,first_name,amount\n+14155550100,Ada,$12\n+14155550101,Bob,\n"
    parser = ListParser("process")
    try:
        report = await parser.parse(data, "US", needed_variables=("amount",))
    finally:
        parser.close()
    assert report == read_call_list(data, default_region="US", needed_variables=("amount",))
    assert report.variables == ["first_name", "amount", "name"] and report.lacking == 1
    assert report.callees[0].values == ("Ada", "$12", "Ada")
