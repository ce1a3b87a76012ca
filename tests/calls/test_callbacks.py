"""The callback rule (services/calls/callbacks.py): whether the callee asked, and when to call back,
in the callee's own time inside the calling window. Pure: no server."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.calls.callbacks import (
    CALLBACK_NODE,
    TOMORROW,
    CallbackOffer,
    CallbackRequest,
    callback_time,
    offer_of,
    offer_problems,
    offer_text,
    offered_at_menus,
    requested_callback,
)
from services.calls.calling_window import inside_window
from services.calls.flow_compiler import OPT_OUT_NODE
from services.calls.flow_rules import FlowGraph, FlowNode, NodeKind
from services.calls.key_inputs import KeyPlace

NEW_YORK = ("America/New_York",)
NY = ZoneInfo("America/New_York")


def local(year: int, month: int, day: int, hour: int, minute: int = 0, zone: ZoneInfo = NY) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone)


def at_new_york(moment: datetime | None) -> datetime | None:
    return moment.astimezone(NY) if moment is not None else None


# --- when ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("ended", "delay", "expected"), [
    (local(2026, 12, 3, 15), 60, local(2026, 12, 3, 16)),
    (local(2026, 12, 3, 15), 180, local(2026, 12, 3, 18)),
    # Three hours after 19:30 is 22:30, after the window: its next opening.
    (local(2026, 12, 3, 19, 30), 180, local(2026, 12, 4, 8)),
    # One hour after 20:30 is past 21:00 too.
    (local(2026, 12, 3, 20, 30), 60, local(2026, 12, 4, 8)),
    (local(2026, 12, 3, 15), TOMORROW, local(2026, 12, 4, 15)),
    # Tomorrow at 20:59 is still open; 21:00 is not.
    (local(2026, 12, 3, 20, 59), TOMORROW, local(2026, 12, 4, 20, 59)),
    # A delay of days.
    (local(2026, 12, 3, 10), 2 * 24 * 60, local(2026, 12, 5, 10)),
])
def test_the_callback_comes_after_the_delay_inside_the_callees_window(ended: datetime, delay: int,
                                                                     expected: datetime) -> None:
    assert at_new_york(callback_time(CallbackOffer("8", delay), ended, NEW_YORK)) == expected


def test_tomorrow_keeps_the_wall_clock_hour_when_the_clocks_go_back_overnight() -> None:
    # 1 November 2026 at 02:00 New York goes back to EST: 24 hours after 20:45 EDT is 19:45 EST.
    ended = local(2026, 10, 31, 20, 45)
    assert ended.utcoffset() == timedelta(hours=-4)
    callback = callback_time(CallbackOffer("8", TOMORROW), ended, NEW_YORK)
    assert at_new_york(callback) == local(2026, 11, 1, 20, 45)
    assert callback is not None and callback - ended == timedelta(hours=25)


def test_tomorrow_keeps_the_wall_clock_hour_when_the_clocks_go_forward_overnight() -> None:
    # 8 March 2026 New York goes to EDT: tomorrow's 10:00 is only 23 hours later.
    ended = local(2026, 3, 7, 10)
    callback = callback_time(CallbackOffer("8", TOMORROW), ended, NEW_YORK)
    assert at_new_york(callback) == local(2026, 3, 8, 10)
    assert callback is not None and callback - ended == timedelta(hours=23)
    assert callback.tzinfo == UTC


def test_an_hour_over_the_clock_change_is_an_hour_of_real_time() -> None:
    # 01:30 EDT + 60 minutes is 01:30 EST (the hour repeats): outside the window, so 08:00 EST.
    ended = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert at_new_york(callback_time(CallbackOffer("8", 60), ended, NEW_YORK)) == local(2026, 11, 1, 8)


def test_tomorrow_at_an_hour_the_window_is_closed_moves_to_the_next_opening() -> None:
    # Window 08:00–20:00: a call at 20:30 (in a wider window elsewhere) asks for tomorrow 20:30 → 08:00 after.
    ended = local(2026, 12, 3, 20, 30)
    callback = callback_time(CallbackOffer("8", TOMORROW), ended, NEW_YORK, window_start=time(8),
                             window_end=time(20))
    assert at_new_york(callback) == local(2026, 12, 5, 8)


def test_a_callee_in_several_zones_is_called_back_when_the_window_is_open_in_all() -> None:
    # 07:30 in New York is 06:30 in Chicago: both open at 08:00 Chicago (09:00 New York).
    ended = local(2026, 12, 3, 6, 30)
    callback = callback_time(CallbackOffer("8", 60), ended, ("America/New_York", "America/Chicago"))
    assert at_new_york(callback) == local(2026, 12, 3, 9)


def test_tomorrow_is_the_next_day_in_the_callees_zone_not_in_utc() -> None:
    # 22:30 UTC on 3 December is 07:30 on 4 December in Tokyo: tomorrow is 5 December, 08:00 at the earliest.
    ended = datetime(2026, 12, 3, 22, 30, tzinfo=UTC)
    callback = callback_time(CallbackOffer("8", TOMORROW), ended, ("Asia/Tokyo",))
    assert callback == datetime(2026, 12, 5, 8, 0, tzinfo=ZoneInfo("Asia/Tokyo")).astimezone(UTC)


def test_a_window_that_never_opens_in_all_the_callees_zones_has_no_time() -> None:
    # 09:00–17:00 in both Tokyo and New York never overlap.
    ended = local(2026, 12, 3, 15)
    assert callback_time(CallbackOffer("8", 60), ended, ("Asia/Tokyo", "America/New_York"),
                         window_start=time(9), window_end=time(17)) is None


def test_a_number_without_a_known_zone_has_no_time() -> None:
    assert callback_time(CallbackOffer("8", 60), local(2026, 12, 3, 15), ()) is None


@given(ended=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 1, 1), timezones=st.just(UTC)),
       delay=st.sampled_from([15, 60, 180, 600, 1440, TOMORROW]),
       zones=st.sampled_from([NEW_YORK, ("Europe/London",), ("Asia/Kolkata",), ("Australia/Sydney",),
                              ("America/New_York", "America/Chicago")]))
def test_a_callback_is_never_early_and_always_inside_the_window(ended: datetime, delay: int,
                                                                zones: tuple[str, ...]) -> None:
    callback = callback_time(CallbackOffer("8", delay), ended, zones)
    assert callback is not None
    assert inside_window(callback, zones)
    assert callback >= ended + timedelta(minutes=delay or 23 * 60)
    assert callback <= ended + timedelta(minutes=delay or 25 * 60) + timedelta(hours=14)


# --- whether ------------------------------------------------------------------------------------------

OFFER = CallbackOffer("8", 60)
ENDED = local(2026, 12, 3, 15)


@pytest.mark.parametrize(("keys", "places", "asked"), [
    (["8"], [KeyPlace("menu", CALLBACK_NODE)], True),
    (["1", "8"], [KeyPlace("menu", "pin"), KeyPlace("menu.2", CALLBACK_NODE)], True),
    # An 8 typed at a collect step is a digit of the answer, not the callback.
    (["1", "8"], [KeyPlace("menu", "pin"), KeyPlace("pin", "pin.2")], False),
    (["1"], [KeyPlace("menu", "bye")], False),
    # The opt-out key leads to the opt-out node, never to a callback.
    (["9"], [KeyPlace("menu", OPT_OUT_NODE)], False),
    # Without the keys' places nothing is guessed.
    (["8"], [], False),
    ([], [], False),
])
def test_the_callee_asked_only_when_the_callback_key_led_to_the_callback(keys: list[str], places: list[KeyPlace],
                                                                           asked: bool) -> None:
    request = requested_callback(offer=OFFER, keys=keys, places=places, ended_at=ENDED, zones=NEW_YORK)
    assert (request is not None) is asked
    if asked:
        assert request == CallbackRequest(local(2026, 12, 3, 16).astimezone(UTC))


def test_an_opted_out_callee_is_never_called_back() -> None:
    assert requested_callback(offer=OFFER, keys=["8"], places=[KeyPlace("menu", CALLBACK_NODE)], ended_at=ENDED,
                              zones=NEW_YORK, opted_out=True) is None


def test_a_flow_without_an_offer_never_calls_back() -> None:
    assert requested_callback(offer=None, keys=["8"], places=[KeyPlace("menu", CALLBACK_NODE)], ended_at=ENDED,
                              zones=NEW_YORK) is None


def test_asked_without_a_time_in_the_window_is_a_request_without_a_time() -> None:
    request = requested_callback(offer=OFFER, keys=["8"], places=[KeyPlace("menu", CALLBACK_NODE)], ended_at=ENDED,
                                 zones=("Asia/Tokyo", "America/New_York"), window_start=time(9), window_end=time(17))
    assert request == CallbackRequest(None)


# --- the offer in a flow ------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "offer"), [
    ("8:60", CallbackOffer("8", 60)), ("#:0", CallbackOffer("#", TOMORROW)), ("", None), ("8", None),
    ("88:60", None), ("8:-5", None), ("x:60", None),
])
def test_a_call_row_keeps_the_offer_as_text(text: str, offer: CallbackOffer | None) -> None:
    assert offer_of(text) == offer
    if offer is not None:
        assert offer_text(offer) == text


def test_no_offer_is_kept_as_nothing() -> None:
    assert offer_text(None) == "" and offer_text(CallbackOffer("", 60)) == ""


def graph(*menu_keys: str) -> FlowGraph:
    return FlowGraph("menu", (
        FlowNode("menu", NodeKind.MENU, "Press 1.", edges={key: "bye" for key in menu_keys}),
        FlowNode("bye", NodeKind.END, "Bye."),
    ))


@pytest.mark.parametrize(("offer", "flow", "codes"), [
    (CallbackOffer("8", 60), graph("1"), []),
    (None, graph("1"), []),
    (CallbackOffer("", 60), graph("1"), []),
    (CallbackOffer("8", TOMORROW), graph("1", "2"), []),
    (CallbackOffer("1", 60), graph("1"), ["CALLBACK_KEY_TAKEN"]),
    (CallbackOffer("9", 60), graph("1"), ["CALLBACK_KEY_IS_OPT_OUT"]),
    (CallbackOffer("x", 60), graph("1"), ["BAD_CALLBACK_KEY"]),
    (CallbackOffer("8", 5), graph("1"), ["BAD_CALLBACK_DELAY"]),
    (CallbackOffer("8", 8 * 24 * 60), graph("1"), ["BAD_CALLBACK_DELAY"]),
    (CallbackOffer("8", 60), None, ["CALLBACK_NEEDS_MENU"]),
    (CallbackOffer("8", 60), FlowGraph("bye", (FlowNode("bye", NodeKind.END, "Bye."),)), ["CALLBACK_NEEDS_MENU"]),
])
def test_the_callback_key_must_be_free_at_every_menu(offer: CallbackOffer | None, flow: FlowGraph | None,
                                                     codes: list[str]) -> None:
    assert [problem.code for problem in offer_problems(offer, flow, opt_out_key="9")] == codes


def test_a_taken_key_names_its_menu_in_words_a_customer_reads() -> None:
    [problem] = offer_problems(CallbackOffer("1", 60), graph("1"), opt_out_key="9")
    assert problem.node_id == "menu"
    assert problem.message == "key 1 asks for a callback at every menu; use another key in menu 'menu'"


def test_every_menu_gets_the_callback_edge_and_the_offer_line() -> None:
    offered = offered_at_menus(graph("1"), CallbackOffer("8", 60), "To be called back later, press 8.")
    menu = offered.node("menu")
    assert menu is not None and menu.edges == {"1": "bye", "8": CALLBACK_NODE}
    assert menu.text == "Press 1. To be called back later, press 8."
    assert offered.node("bye") == graph("1").node("bye")
    assert offered_at_menus(graph("1"), None) == graph("1")

