"""Conversation state lives in the bot's database: a restart in the middle of the flow wizard
loses nothing, and the customer finishes the flow they started."""

from __future__ import annotations

from speechcue.calls.v1 import calls_pb2
from tests.bot.conftest import BotHarness, start_new_flow


async def test_the_bot_restarts_mid_wizard_and_the_customer_continues(bot: BotHarness) -> None:
    person = await bot.onboarded()
    await start_new_flow(person, "Survey")
    await person.press("Key-press menu")
    await person.say("Press 1 if you were happy with us.")

    await bot.restart()

    await person.say("1")
    await person.wait_for_text("when the callee presses 1 in step n1")
    await person.press("End the call")
    await person.say("Thank you!")
    await person.wait_for_text("Survey is complete")
    await person.press("Save")
    await person.wait_for_text("Survey was saved")

    flows = await bot.calls.stub.ListFlows(calls_pb2.ListFlowsRequest(customer_id=await bot.customer_id(person)))
    assert [flow.spec.name for flow in flows.flows] == ["Survey"]
    nodes = {node.id: node for node in flows.flows[0].spec.graph.nodes}
    assert nodes["n1"].text == "Press 1 if you were happy with us."
    assert [(edge.key, edge.target_node_id) for edge in nodes["n1"].edges] == [("1", "n2")]


async def test_stopping_the_harness_after_a_restart_stops_the_process_the_restart_started(bot: BotHarness) -> None:
    """The harness once stopped only the first process: the restarted bot lived on after its test,
    pulling later tests' events from the shared NATS consumers into its dropped database."""
    first = bot.running
    await bot.restart()
    second = bot.running
    assert second is not first and all(task.done() for task in first._tasks)
    assert not any(task.done() for task in second._tasks)
    await bot.stop()
    assert all(task.done() for task in second._tasks)
