"""A campaign's list typed in the chat: a line of comma-separated numbers is several callees, as the
list question invites; a header row, or a number followed by a name, stays columns; uploaded files
are read as before (tests/bot/test_campaign_journey.py uploads one)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.bot.pasted_lists import numbers_on_line, one_callee_per_line
from services.calls.call_lists import read_call_list
from tests.bot.conftest import BotHarness, message_text
from tests.calls.conftest import menu_flow

A, B, C = "+14155550100", "+14155550101", "+14155550102"


@pytest.mark.parametrize(("line", "country", "numbers"), [
    (f"{A}, {B}, {C}", "", (A, B, C)),
    (f"{A},{B},{C}", "", (A, B, C)),
    (f"  {A} ,   {B}  ", "", (A, B)),
    (f"{A}; {B}; {C}", "", (A, B, C)),  # semicolons, as a European spreadsheet separates
    (f"{A}, {B};{C}", "", (A, B, C)),
    (f"{A}, {B},", "", (A, B)),  # a trailing comma leaves no field
    (f"{A}, {B}, , ", "", (A, B)),
    (f"{A}, {A}", "", (A, A)),  # duplicates are the calls service's to count
    ("+1 415 555 0100, +1 (415) 555-0101", "", ("+1 415 555 0100", "+1 (415) 555-0101")),  # as typed
    ("(415) 555-0100, 415 555 0101", "US", ("(415) 555-0100", "415 555 0101")),
    ("020 7183 8750, 020 7183 8751", "GB", ("020 7183 8750", "020 7183 8751")),
    ("+44 20 7183 8750, 001 415 555 0100", "", ("+44 20 7183 8750", "001 415 555 0100")),
    (f"{A}", "", None),  # one number: the calls service reads it as it always did
    (f"{A},", "", None),
    (f"{A}, Ada", "", None),  # a number and its name
    (f"{A}, Ada Lovelace, vip", "", None),
    (f"{A}, {B}, Ada", "", None),  # a name among them: columns, not callees
    (f"Ada, {A}", "", None),
    ("phone, name", "", None),  # a header row
    ("Name;Phone Number;Notes", "", None),
    ("(415) 555-0100, 415 555 0101", "", None),  # national numbers with no country to read them in
    (f"{A}, 12", "", None),  # 12 is no one's phone number
    ("", "", None),
    (" , ; ", "", None),
])
def test_a_typed_line_is_several_callees_only_when_every_field_is_a_number(
        line: str, country: str, numbers: tuple[str, ...] | None) -> None:
    assert numbers_on_line(line, country=country) == numbers


@pytest.mark.parametrize(("typed", "sent"), [
    (f"{A}, {B}, {C}", f"{A}\n{B}\n{C}"),
    (f"{A}\n{B}", f"{A}\n{B}"),  # one per line, unchanged
    (f"{A}, {B}\n{C}, Cy\n\nnope", f"{A}\n{B}\n{C}, Cy\n\nnope"),  # mixed lines, each read on its own
    (f"{A}, Ada\n{B}, {C}", f"{A}, Ada\n{B}\n{C}"),
    (f"phone,mobile\n{A},{B}", f"phone,mobile\n{A},{B}"),  # a CSV typed with its header stays columns
    (f"name;phone\nAda;{A}", f"name;phone\nAda;{A}"),
])
def test_a_typed_list_gets_one_callee_per_line(typed: str, sent: str) -> None:
    assert one_callee_per_line(typed) == sent


@pytest.mark.parametrize(("typed", "callees", "names", "duplicates"), [
    (f"{A}, {B}, {C}", 3, ["", "", ""], 0),
    (f"{A}, {B}, {A},", 2, ["", ""], 1),
    (f"{A}; {B}\n{C}, Cy", 3, ["", "", "Cy"], 0),
    (f"{A}, Ada", 1, ["Ada"], 0),
])
def test_the_calls_service_counts_what_the_customer_typed(typed: str, callees: int, names: list[str],
                                                          duplicates: int) -> None:
    report = read_call_list(one_callee_per_line(typed))
    assert (len(report.callees), report.duplicates) == (callees, duplicates)
    assert [callee.name for callee in report.callees] == names


@given(st.text(max_size=300))
def test_any_text_is_read_without_raising_and_a_text_with_no_separator_is_sent_as_typed(text: str) -> None:
    sent = one_callee_per_line(text, country="US")
    if "," not in text and ";" not in text:
        assert sent == "\n".join(text.splitlines())


async def test_three_comma_separated_numbers_typed_on_one_line_are_three_callees(bot: BotHarness) -> None:
    person = await bot.onboarded("Acme Dental")
    customer = await bot.customer_id(person)
    await bot.calls.wallet.credit(customer, 5_000)
    await bot.calls.flow(customer, menu_flow())
    await person.press("Campaigns")
    await person.press("New campaign")
    await person.press_first("cflow:")
    await person.press("Now")
    await person.wait_for_text("one per line (or comma-separated)")
    await person.say("+14155551501, +14155551502, +14155551503")
    report = message_text(await person.wait_for_text("3 numbers to call"))
    assert "0 invalid" in report and "0 duplicates" in report
