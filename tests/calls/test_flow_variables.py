"""Which variables a flow uses, what a list's header makes of its columns, and what a callee hears
(services/calls/flow_variables.py), with the list reader's refusals that follow from them. Pure."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.calls.call_lists import LackingLine, read_call_list
from services.calls.flow_variables import (
    MAX_LIST_VARIABLES,
    MAX_VARIABLE_NAME,
    filled,
    first_texts,
    first_words,
    is_built_in,
    lacking,
    list_columns,
    list_variables,
    list_variables_of,
    missing_columns,
    needs_variables_message,
    references,
    used_variables,
    variable_name,
)
from services.calls.list_values import value_problem
from speechcue.calls.v1 import calls_pb2


def node(node_id: str, kind: int, text: str, **edges: str) -> calls_pb2.FlowNode:
    return calls_pb2.FlowNode(id=node_id, kind=kind, text=text, edges=[
        calls_pb2.FlowEdge(key=key, target_node_id=target) for key, target in edges.items()])


def graph_flow(*nodes: calls_pb2.FlowNode, voicemail: str = "", start: str = "") -> calls_pb2.FlowSpec:
    return calls_pb2.FlowSpec(name="Reminder", kind=calls_pb2.FLOW_KIND_GRAPH, business_name="Acme",
                              voicemail_message=voicemail,
                              graph=calls_pb2.FlowGraph(start_node_id=start or nodes[0].id, nodes=list(nodes)))


MESSAGE, MENU, END = calls_pb2.NODE_KIND_MESSAGE, calls_pb2.NODE_KIND_MENU, calls_pb2.NODE_KIND_END
REMINDER = graph_flow(
    node("hello", MESSAGE, "Hello {{first_name}}.", next="due"),
    node("due", MESSAGE, "Your payment of {{amount}} is due on {{due_date}}.", next="menu"),
    node("menu", MENU, "Press 1 to pay {{amount}} now, 2 for an agent.", **{"1": "bye", "2": "bye"}),
    node("bye", END, "Thank you, {{first_name}}. It is {{current_time}}."),
    voicemail="{{first_name}}, please call us back about {{invoice}}.",
)


@pytest.mark.parametrize(("text", "expected"), [
    ("Hi {{first_name}}", ["first_name"]),
    ("{{a}} {{b}} {{a}}", ["a", "b"]),
    ("{{ amount }} is due", ["amount"]),
    ("no variables", []),
    ("{{}} {first_name} {{ two words }}", []),
    ("{{first-name}}", []),
    ("{{x1}}{{_y}}", ["x1", "_y"]),
])
def test_references_are_the_names_in_double_braces_in_order(text: str, expected: list[str]) -> None:
    assert references(text) == expected


def test_a_graph_flow_uses_the_variables_of_every_step_and_its_voicemail() -> None:
    assert used_variables(REMINDER) == ["first_name", "amount", "due_date", "current_time", "invoice"]


def test_retells_own_variables_are_built_in_and_never_asked_of_a_list() -> None:
    assert list_variables(REMINDER) == ["first_name", "amount", "due_date", "invoice"]
    assert list_variables_of(REMINDER.SerializeToString()) == list_variables(REMINDER)


@pytest.mark.parametrize(("name", "built_in"), [
    ("current_time", True), ("current_calendar", True), ("user_number", True), ("call_id", True),
    ("current_time_Europe", True), ("amount", False), ("name", False), ("first_name", False),
])
def test_built_in_variables(name: str, built_in: bool) -> None:
    assert is_built_in(name) is built_in


def test_an_ai_task_uses_the_variables_it_names_though_it_reads_them_as_data() -> None:
    spec = calls_pb2.FlowSpec(name="Collect", kind=calls_pb2.FLOW_KIND_AI_SCRIPT, business_name="Acme",
                              ai_prompt="Remind {{first_name}} of {{amount}} due on {{due_date}}.",
                              voicemail_message="Call us, {{first_name}}.",
                              # A graph left behind from an earlier kind is not what an AI script says.
                              graph=calls_pb2.FlowGraph(nodes=[node("x", MESSAGE, "{{stale}}")]))
    assert list_variables(spec) == ["first_name", "amount", "due_date"]
    assert first_texts(spec) == []


def test_the_business_name_uses_nothing() -> None:
    spec = graph_flow(node("hello", END, "Hello."))
    spec.business_name = "{{evil}} Corp"
    assert list_variables(spec) == []


@pytest.mark.parametrize(("header", "variable"), [
    ("First Name", "first_name"), (" due-date ", "due_date"), ("Montant dû", "montant_du"),
    ("AMOUNT (USD)", "amount_usd"), ("amount", "amount"), ("Über", "uber"), ("2nd line", ""),
    ("姓名", ""), ("", ""), ("---", ""), ("sc_callee_data", ""), ("current_time", ""), ("user number", ""),
    ("x" * 60, "x" * MAX_VARIABLE_NAME), ("a" * 39 + " b", "a" * 39),
])
def test_a_header_becomes_a_safe_variable_name_or_none(header: str, variable: str) -> None:
    assert variable_name(header) == variable


@given(st.text(max_size=80))
def test_every_variable_name_is_a_short_lowercase_identifier_that_a_reference_reads(header: str) -> None:
    name = variable_name(header)
    if name:
        assert len(name) <= MAX_VARIABLE_NAME and name[0].isalpha() and name.isascii()
        assert references(f"{{{{{name}}}}}") == [name] and not is_built_in(name)


def test_the_phone_column_a_repeat_and_a_column_past_the_bound_make_no_variable() -> None:
    header = ["Phone", "First name", "first name", *[f"col {index}" for index in range(30)]]
    columns = list_columns(header, phone=0, name=1)
    assert columns.variables[:3] == ("", "first_name", "")
    # One place is kept for {{name}}, which the name column also answers to.
    assert len(columns.named) == MAX_LIST_VARIABLES - 1


def test_a_second_column_called_name_does_not_shadow_the_name_column() -> None:
    assert list_columns(["phone", "full_name", "x", "name"], phone=0, name=1).variables == ("", "full_name", "x", "")


def test_missing_columns_and_lacking_values() -> None:
    assert missing_columns(["first_name", "amount"], ["first_name", "name"]) == ["amount"]
    assert missing_columns([], ["a"]) == []
    assert lacking(["first_name", "amount"], {"first_name": "Ada", "amount": " "}) == ["amount"]
    assert lacking(["first_name"], {}) == ["first_name"]
    assert lacking(["first_name"], {"first_name": "Ada"}) == []


@pytest.mark.parametrize(("text", "values", "heard"), [
    ("Hi {{first_name}}", {"first_name": "Ada"}, "Hi Ada"),
    ("Hi {{first_name}}, {{x}}", {"first_name": "Ada"}, "Hi Ada, {{x}}"),  # as Retell: left as it stands
    ("{{ amount }} due", {"amount": "$12.50"}, "$12.50 due"),
    ("{{a}}{{a}}", {"a": "1"}, "11"),
    ("no variables", {"a": "1"}, "no variables"),
    # A value is said, never read again as a reference.
    ("{{a}}", {"a": "{{b}}", "b": "x"}, "{{b}}"),
])
def test_filled_is_what_retell_says(text: str, values: dict[str, str], heard: str) -> None:
    assert filled(text, values) == heard


def test_the_first_words_run_from_the_start_to_the_first_step_that_waits() -> None:
    values = {"first_name": "Ada", "amount": "$12.50", "due_date": "Friday"}
    assert first_words(REMINDER, values) == ["Hello Ada.", "Your payment of $12.50 is due on Friday.",
                                             "Press 1 to pay $12.50 now, 2 for an agent."]


def test_the_first_words_stop_at_a_loop_and_at_the_bound() -> None:
    looping = graph_flow(node("a", MESSAGE, "A", next="b"), node("b", MESSAGE, "B", next="a"))
    assert first_texts(looping) == ["A", "B"]
    long = graph_flow(*[node(f"n{i}", MESSAGE, f"T{i}", next=f"n{i + 1}") for i in range(8)], node("n8", END, ""))
    assert first_texts(long) == ["T0", "T1", "T2", "T3"]


def test_the_refusal_of_a_call_without_values_names_them() -> None:
    message = needs_variables_message(["amount", "due_date"])
    assert "{{amount}}, {{due_date}}" in message and "campaign" in message


# ---- the list reader, given the variables the flow needs ------------------------------------------------

LIST = "phone,First Name,amount,Due date\n+14155550100,Ada,$12.50,Friday\n+14155550101,Bob,,Monday\n" \
       "+14155550102,Cy,$3,\n+14155550103,Di,$4,Sunday\n"


def test_every_column_of_the_header_is_a_variable_with_each_callees_values() -> None:
    report = read_call_list(LIST)
    assert report.variables == ["first_name", "amount", "due_date", "name"]
    assert report.values_of(report.callees[0]) == {"first_name": "Ada", "amount": "$12.50", "due_date": "Friday",
                                                   "name": "Ada"}
    assert report.values_of(report.callees[1]) == {"first_name": "Bob", "due_date": "Monday", "name": "Bob"}
    assert not report.refusal


def test_a_list_with_lines_lacking_a_used_value_is_refused_naming_the_lines() -> None:
    report = read_call_list(LIST, needed_variables=("first_name", "amount", "due_date"))
    assert report.lacking == 2
    assert report.lacking_examples == [LackingLine(3, ("amount",)), LackingLine(4, ("due_date",))]
    assert report.refusal.startswith("list lines 3, 4 have no value")


def test_a_list_lacking_a_column_the_flow_uses_is_refused_naming_it() -> None:
    report = read_call_list(LIST, needed_variables=("first_name", "invoice"))
    assert report.missing_variables == ["invoice"]
    assert "{{invoice}}" in report.refusal and not report.callees


def test_a_list_with_every_used_value_is_accepted() -> None:
    report = read_call_list(LIST, needed_variables=("first_name", "name"))
    assert len(report.callees) == 4 and not report.refusal and report.lacking == 0


def test_a_list_without_a_header_has_the_name_and_nothing_else() -> None:
    report = read_call_list("+14155550100, Ada\n+14155550101\n")
    assert report.variables == ["name"]
    refused = read_call_list("+14155550100, Ada\n+14155550101\n", needed_variables=("name",))
    assert refused.lacking_examples == [LackingLine(2, ("name",))]
    assert read_call_list("+14155550100\n", needed_variables=("amount",)).missing_variables == ["amount"]


def test_a_line_dropped_for_its_number_is_not_counted_as_lacking() -> None:
    report = read_call_list("phone,amount\nnonsense,\n+14155550100,$1\n", needed_variables=("amount",))
    assert report.invalid == 1 and report.lacking == 0 and len(report.callees) == 1


def test_every_variable_value_is_screened_like_any_list_value() -> None:
    report = read_call_list("phone,amount\n+14155550100,see bit.ly/pay\n+14155550101,$1\n")
    assert report.flagged == 1 and "column amount contains a link" in report.flagged_examples[0]
    assert value_problem("$12.50", where="x") is None


def test_more_than_one_lacking_line_past_the_examples_is_counted() -> None:
    body = "".join(f"+1415555{index:04d},\n" for index in range(8))
    report = read_call_list("phone,amount\n" + body, needed_variables=("amount",))
    assert report.lacking == 8 and len(report.lacking_examples) == 5 and "and 3 more" in report.refusal


cells = st.text(alphabet="abcxyz $.0123456789", max_size=12)


@given(st.lists(st.tuples(cells, cells), min_size=1, max_size=20))
def test_each_callee_keeps_the_values_of_its_own_line(rows: list[tuple[str, str]]) -> None:
    body = "".join(f"+1415555{index:04d},{first},{amount}\n" for index, (first, amount) in enumerate(rows))
    report = read_call_list("phone,first_name,amount\n" + body)
    assert report.variables == ["first_name", "amount", "name"]
    by_number = {callee.number: report.values_of(callee) for callee in report.callees}
    for index, (first, amount) in enumerate(rows):
        expected = {"first_name": first.strip(), "amount": amount.strip(), "name": first.strip()}
        assert by_number[f"+1415555{index:04d}"] == {key: value for key, value in expected.items() if value}
