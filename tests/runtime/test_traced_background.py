"""Work done later by a background task is logged under the trace of the work it is about: a queued
item under the id kept with it (`resumed`), and a background task started from traced work does not
inherit that work's id for everything it does afterwards (`untraced_context`; the group-commit
batch writers, started by whichever request came first)."""

from __future__ import annotations

import asyncio
import logging

from services.runtime.group_commit import GroupCommit
from services.runtime.tracing import current_trace_id, resumed, traced, untraced_context
from tests.log_lines import LogLines

FIRST, SECOND = "0123456789abcdef", "fedcba9876543210"


def test_queued_work_resumes_the_trace_kept_with_it_or_none() -> None:
    with traced(FIRST):
        with resumed(SECOND):
            assert current_trace_id() == SECOND
        with resumed(""):  # queued outside any trace: no id rather than a new one nobody can look up
            assert current_trace_id() == ""
        with resumed("+14155550123"):  # never a number in the id field
            assert current_trace_id() not in ("", "+14155550123")
        assert current_trace_id() == FIRST


async def test_a_task_started_in_an_untraced_context_has_no_trace() -> None:
    async def seen() -> str:
        return current_trace_id()

    with traced(FIRST):
        inherited = await asyncio.create_task(seen())
        untraced = await asyncio.create_task(seen(), context=untraced_context())
        assert current_trace_id() == FIRST
    assert (inherited, untraced) == (FIRST, "")


async def test_a_batch_writer_does_not_log_under_the_trace_of_the_request_that_started_it() -> None:
    lines = LogLines()
    logging.getLogger().addHandler(lines)

    async def write_batch(orders: list[str]) -> list[str | Exception]:
        logging.getLogger("services.test").warning("a batch of %d", len(orders))
        for order in orders:
            with resumed(order):
                logging.getLogger("services.test").warning("one order")
        answers: list[str | Exception] = list(orders)
        return answers

    batches: GroupCommit[str, str] = GroupCommit("test", write_batch, conflict_keys=lambda order: (order,),
                                                 max_batch=10)
    try:
        with traced(FIRST):  # the first order starts the writer
            assert await batches.submit(FIRST) == FIRST
        with traced(SECOND):
            assert await batches.submit(SECOND) == SECOND
    finally:
        await batches.close()
        logging.getLogger().removeHandler(lines)
    written = [(line["msg"], line.get("trace_id", "")) for line in lines.lines if line["logger"] == "services.test"]
    assert written == [("a batch of 1", ""), ("one order", FIRST), ("a batch of 1", ""), ("one order", SECOND)]
