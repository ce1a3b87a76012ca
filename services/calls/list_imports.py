"""A list import never blocks the service: its parse runs off the event loop, one import per customer
runs at a time (across replicas), and each distinct list counts against the customer's daily cap.

Why a worker process by default: `read_call_list` is pure Python (phonenumbers), about 2.2 s of CPU
for 100,000 numbers (bench/campaign_import.py). In a thread it still holds the GIL, and the event
loop that answers /healthz, gRPC and Retell's webhooks only gets it back at each 5 ms switch
interval; in a worker process the loop keeps its core. bench/list_import.py measures /healthz under
each choice (`CALLS_LIST_PARSE_IN`), and bench/README.md records the figures. What the worker runs,
and why its answer travels in columns, is in list_parse_worker.py.

The one-at-a-time rule is a PostgreSQL advisory lock taken with `pg_try_advisory_xact_lock` in a
transaction of its own that lives as long as the import: a second import for the same customer, on
any replica, is refused at once instead of queueing behind the first. That transaction also records
the list (its SHA-256) for the daily count and commits it whatever the import's outcome, so a
refused or failed list counts too: parsing is the cost the cap protects.
"""

from __future__ import annotations

import asyncio
import hashlib
import multiprocessing
import time
from collections.abc import AsyncIterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import datetime
from functools import partial
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from services.calls import metrics
from services.calls.call_lists import Callee, ImportReport, callee_values, read_call_list
from services.calls.daily_caps import DailyCap, refuse_over_cap
from services.calls.flow_variables import LIST_LACKS_VARIABLES
from services.calls.list_parse_worker import parse_to_columns, report_from_columns
from services.calls.settings import CallsSettings
from services.calls.tables import list_imports
from services.runtime.daily_quota import day_start
from services.runtime.database import Database
from services.runtime.errors import InvalidArgument, QuotaExceeded

ParseIn = Literal["process", "thread", "event_loop"]

# The advisory-lock class of "a customer's list import is running" (limits.py 0x5CCA11, daily_caps.py 0x5CCA95).
_IMPORT_LOCK_CLASS = 0x5C_115D


class ListImportInProgress(QuotaExceeded):
    default_reason = "LIST_IMPORT_IN_PROGRESS"


# ---- where the parse runs ---------------------------------------------------------------------

class ListParser:
    """Runs `read_call_list` where the settings say; the pool is made on first use."""

    def __init__(self, parse_in: ParseIn = "process", workers: int = 1) -> None:
        self.parse_in = parse_in
        self.workers = workers
        self._pool: Executor | None = None

    def _executor(self) -> Executor:
        if self._pool is None:
            if self.parse_in == "process":
                # spawn, not fork: the service's process has gRPC and asyncio threads a fork would copy
                # in whatever state they were.
                self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
            else:
                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="list-parse")
        return self._pool

    async def parse(self, data: bytes, region: str | None, callable_countries: frozenset[str] | None = None,
                    needed_variables: tuple[str, ...] = ()) -> ImportReport:
        started = time.perf_counter()
        try:
            if self.parse_in == "event_loop":
                return read_call_list(data, default_region=region, callable_countries=callable_countries,
                                      needed_variables=needed_variables)
            loop = asyncio.get_running_loop()
            columns = await loop.run_in_executor(self._executor(), partial(
                parse_to_columns, data, default_region=region, callable_countries=callable_countries,
                needed_variables=needed_variables))
            return await asyncio.to_thread(report_from_columns, columns)
        finally:
            metrics.list_parse_seconds.observe(time.perf_counter() - started)

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


_parser = ListParser()


def use_list_parser(parser: ListParser) -> None:
    """The service's start-up chooses where lists are parsed (CALLS_LIST_PARSE_IN)."""
    global _parser
    previous, _parser = _parser, parser
    if previous is not parser:
        previous.close()


async def parse_call_list(data: bytes, *, default_region: str | None,
                          callable_countries: frozenset[str] | None = None,
                          needed_variables: tuple[str, ...] = ()) -> ImportReport:
    """`read_call_list`, off the event loop; `needed_variables` are those the campaign's flow uses."""
    return await _parser.parse(data, default_region, callable_countries, needed_variables)


def lacking_variables_refusal(report: ImportReport) -> InvalidArgument:
    """A list refused for variables its flow needs (no column, or lines with an empty cell), with what
    the bot needs to say which: `missing` (variables without a column), `lines` ("4:amount;7:amount,
    due_date", the first lines), `lacking` (how many lines)."""
    return InvalidArgument(
        report.refusal, reason=LIST_LACKS_VARIABLES, missing=",".join(report.missing_variables),
        lines=";".join(f"{example.line}:{','.join(example.variables)}" for example in report.lacking_examples),
        lacking=str(report.lacking))


def callee_rows(campaign_id: str, variables: list[str], callees: list[Callee], start: int) -> list[dict[str, Any]]:
    """campaign_callees rows for `callees` of a list with these variables, the first at position `start`,
    each with its values."""
    return [{"campaign_id": campaign_id, "position": start + index, "number": callee.number, "name": callee.name,
             "variables": callee_values(variables, callee)} for index, callee in enumerate(callees)]


# ---- one import per customer, counted -----------------------------------------------------------

@asynccontextmanager
async def list_import_slot(database: Database, *, customer_id: str, data: bytes, settings: CallsSettings,
                           now: datetime) -> AsyncIterator[None]:
    """The customer's one import slot for the block's duration, or ListImportInProgress / DailyCapReached."""
    digest = hashlib.sha256(data).digest()
    async with database.unit_of_work() as uow:
        locked = (await uow.connection.execute(select(func.pg_try_advisory_xact_lock(
            _IMPORT_LOCK_CLASS, func.hashtext(customer_id))))).scalar_one()
        if not locked:
            metrics.list_imports_refused_busy_total.inc()
            raise ListImportInProgress(
                "another list is being imported for this account; try again when it is done "
                "(a list of 100,000 numbers takes about 10 seconds)")
        day = day_start(now).date()
        counted = (await uow.connection.execute(select(list_imports.c.customer_id).where(
            list_imports.c.customer_id == customer_id, list_imports.c.day == day,
            list_imports.c.list_sha256 == digest))).first()
        if counted is None:
            await refuse_over_cap(uow, DailyCap.LIST_IMPORTS, customer_id=customer_id, settings=settings, now=now)
            await uow.connection.execute(insert(list_imports).values(
                customer_id=customer_id, day=day, list_sha256=digest, imported_at=now).on_conflict_do_nothing())
        try:
            yield
        finally:
            await uow.commit()
