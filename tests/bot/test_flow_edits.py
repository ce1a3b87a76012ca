"""The editor's structural rules (services/bot/flow_edits.py) on small drafts, and the order voices are
offered in (flow_drafts.voices_for_language): every edit leaves the steps in the call's order, and an
edit that would leave a step leading nowhere is refused, naming the steps, and changes nothing."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.bot.flow_drafts import voices_for_language
from services.bot.flow_edits import (
    Refusal,
    Removal,
    in_call_order,
    insert_step,
    lead_to,
    move_step,
    removal_of,
    remove_key,
    remove_step,
)
from services.bot.i18n import LANGUAGES, catalogue
from services.bot.screens.flow_editing import REFUSAL_TEXTS
from speechcue.calls.v1 import calls_pb2


def msg(node_id: str, to: str) -> dict[str, Any]:
    return {"id": node_id, "kind": "msg", "text": node_id.upper(), "edges": [["next", to]]}


def end(node_id: str) -> dict[str, Any]:
    return {"id": node_id, "kind": "end", "text": "Bye", "edges": []}


def menu(node_id: str, **keys: str) -> dict[str, Any]:
    return {"id": node_id, "kind": "menu", "text": "Press", "edges": [[key[1:], to] for key, to in keys.items()]}


def draft(*nodes: dict[str, Any]) -> dict[str, Any]:
    return {"nodes": list(nodes), "open": []}


def chain(d: dict[str, Any]) -> list[str]:
    """The steps' ids in order, then each edge as "a-key>b"."""
    return [n["id"] for n in d["nodes"]] + [f"{n['id']}-{k}>{t}" for n in d["nodes"] for k, t in n["edges"]]


def test_inserting_before_takes_over_every_way_in_and_before_the_start_becomes_the_start() -> None:
    d = draft(msg("a", "b"), menu("m", k1="b", k2="c"), msg("b", "c"), end("c"))
    d["nodes"][0]["edges"] = [["next", "m"]]
    assert insert_step(d, {"kind": "msg", "text": "new"}, before="b") is None
    assert chain(d)[:5] == ["a", "m", "n5", "c", "b"]
    assert "m-1>n5" in chain(d) and "n5-next>b" in chain(d) and "m-2>c" in chain(d)

    assert insert_step(d, {"kind": "msg", "text": "first"}, before="a") is None
    assert d["nodes"][0]["id"] == "n6" and d["nodes"][0]["edges"] == [["next", "a"]]


def test_inserting_after_takes_over_the_next_and_a_new_menu_leads_on_with_every_key() -> None:
    d = draft(msg("a", "b"), end("b"))
    assert insert_step(d, {"kind": "menu", "text": "Press"}, after="a", keys=("1", "2")) is None
    assert chain(d) == ["a", "n3", "b", "a-next>n3", "n3-1>b", "n3-2>b"]


def test_nothing_is_inserted_straight_after_a_menu_or_an_ending() -> None:
    d = draft(menu("m", k1="e"), end("e"))
    before = copy.deepcopy(d)
    assert insert_step(d, {"kind": "msg", "text": "x"}, after="m") == Refusal("insert_after_branch", ("m",))
    assert insert_step(d, {"kind": "msg", "text": "x"}, after="e") == Refusal("insert_after_branch", ("e",))
    assert d == before


def test_removing_a_message_sends_the_steps_that_led_to_it_on_to_its_next() -> None:
    d = draft(msg("a", "b"), menu("m", k1="b"), msg("b", "c"), end("c"))
    d["nodes"][0]["edges"] = [["next", "m"]]
    d["nodes"][1]["edges"].append(["2", "c"])
    plan = removal_of(d, "b")
    assert plan == Removal("b", redirected=(("m", "1"),), new_target="c")
    remove_step(d, plan)
    assert chain(d) == ["a", "m", "c", "a-next>m", "m-1>c", "m-2>c"]


def test_removing_the_start_message_makes_its_next_the_start() -> None:
    d = draft(msg("a", "b"), end("b"))
    plan = removal_of(d, "a")
    assert isinstance(plan, Removal) and plan.new_start == "b"
    remove_step(d, plan)
    assert chain(d) == ["b"]


def test_removing_an_ending_a_menu_key_leads_to_removes_the_key_when_the_menu_keeps_one() -> None:
    d = draft(menu("m", k1="x", k2="e"), end("x"), end("e"))
    plan = removal_of(d, "e")
    assert plan == Removal("e", dropped_keys=(("m", "2"),))
    remove_step(d, plan)
    assert chain(d) == ["m", "x", "m-1>x"]


@pytest.mark.parametrize(("nodes", "step", "refusal"), [
    # A message would lead nowhere.
    ((msg("a", "m"), menu("m", k1="e"), end("e")), "m", Refusal("led_to", ("a",))),
    ((msg("a", "e"), end("e")), "e", Refusal("led_to", ("a",))),
    # The menu's only key.
    ((menu("m", k1="e"), end("e")), "e", Refusal("led_to", ("m (1)",))),
    # The start branches: nothing to start from instead.
    ((menu("m", k1="e", k2="f"), end("e"), end("f")), "m", Refusal("first_step", ("m",))),
    ((end("e"),), "e", Refusal("last_step", ("e",))),
])
def test_a_removal_that_would_leave_a_step_leading_nowhere_is_refused_naming_the_steps(
        nodes: tuple[dict[str, Any], ...], step: str, refusal: Refusal) -> None:
    assert removal_of(draft(*copy.deepcopy(nodes)), step) == refusal


def test_moving_a_message_up_trades_places_with_the_one_before_it() -> None:
    d = draft(msg("a", "b"), msg("b", "c"), msg("c", "d"), end("d"))
    assert move_step(d, "c", up=True) is None
    assert chain(d)[:4] == ["a", "c", "b", "d"]
    assert move_step(d, "c", up=True) is None
    assert chain(d)[:4] == ["c", "a", "b", "d"]  # the new first step is the start
    assert move_step(d, "c", up=True) == Refusal("move_up_start", ("c",))
    assert move_step(d, "a", up=False) is None
    assert chain(d)[:4] == ["c", "b", "a", "d"]
    assert move_step(d, "a", up=False) == Refusal("move_down_end", ("a",))


def test_menus_and_shared_steps_do_not_move() -> None:
    d = draft(msg("a", "m"), menu("m", k1="b", k2="b"), msg("b", "e"), end("e"))
    before = copy.deepcopy(d)
    assert move_step(d, "m", up=True) == Refusal("move_branch", ("m",))
    assert move_step(d, "b", up=True) == Refusal("move_shared", ("b",))
    assert move_step(d, "a", up=False) == Refusal("move_down_end", ("a",))
    assert d == before


def test_a_key_leads_elsewhere_is_added_or_removed_but_a_menu_keeps_one_key() -> None:
    d = draft(menu("m", k1="x"), end("x"), end("y"))
    assert lead_to(d, "m", "1", "y") is None
    assert lead_to(d, "m", "3", "x") is None
    assert chain(d) == ["m", "y", "x", "m-1>y", "m-3>x"]
    assert remove_key(d, "m", "1") is None
    assert remove_key(d, "m", "3") == Refusal("last_key", ("m",))


@given(st.lists(st.integers(min_value=0, max_value=5), min_size=1, max_size=6))
def test_the_call_order_puts_the_start_first_and_each_step_after_one_leading_to_it(targets: list[int]) -> None:
    d = draft(*[msg(f"s{i}", f"s{t % len(targets)}") for i, t in enumerate(targets)])
    ids = sorted(n["id"] for n in d["nodes"])
    in_call_order(d)
    assert d["nodes"][0]["id"] == "s0"
    assert sorted(n["id"] for n in d["nodes"]) == ids
    reached = {"s0"}
    for node in d["nodes"][1:]:
        led = any(t == node["id"] for n in d["nodes"] if n["id"] in reached for _, t in n["edges"])
        if led:
            reached.add(node["id"])
        else:  # the steps no path reaches come last
            assert all(not any(t == later["id"] for n in d["nodes"] if n["id"] in reached for _, t in n["edges"])
                       for later in d["nodes"][d["nodes"].index(node):])
            break


def voice(name: str, accent: str) -> calls_pb2.Voice:
    return calls_pb2.Voice(voice_id=name, name=name, accent=accent)


@pytest.mark.parametrize(("language", "expected"), [
    ("en_US", ["Adrian", "Anna", "Hugo", "Priya", "Amélie", "Wei"]),
    ("en_GB", ["Hugo", "Adrian", "Anna", "Priya", "Amélie", "Wei"]),
    ("hi_IN", ["Priya", "Adrian", "Anna", "Hugo", "Amélie", "Wei"]),
    ("fr_FR", ["Amélie", "Adrian", "Anna", "Hugo", "Priya", "Wei"]),
    ("zh_CN", ["Wei", "Adrian", "Anna", "Hugo", "Priya", "Amélie"]),
    ("de_DE", ["Adrian", "Anna", "Hugo", "Priya", "Amélie", "Wei"]),
])
def test_voices_for_the_calls_language_come_first(language: str, expected: list[str]) -> None:
    voices = [voice("Adrian", "American"), voice("Anna", "American (Southern)"), voice("Hugo", "British"),
              voice("Priya", "Indian"), voice("Amélie", "French"), voice("Wei", "Chinese")]
    assert [v.name for v in voices_for_language(voices, language)] == expected


def test_every_refusal_has_words_in_every_language() -> None:
    for language in LANGUAGES:
        assert sorted(text for text in REFUSAL_TEXTS.values() if text not in catalogue(language)) == []
