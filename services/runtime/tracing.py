"""The trace id: one opaque id that follows one piece of work (a Telegram update, a call, a campaign's
dialling, a top-up, a tick run) through every service, so an operator finds all its log lines with one query.

Why: a call, a top-up or an update crosses the bot, the wallet, calls and payments by gRPC and by
NATS events; each service logs on its own, and without a shared id nothing ties the lines together.

The id lives in a context variable, so it follows the asyncio task that works on it. It starts at
an edge (`traced()`), travels on every outgoing gRPC call as the `x-trace-id` metadata
(services/runtime/grpc_client.py, read back by grpc_interceptor.py), is kept with each outbox row
and published as the `Speechcue-Trace-Id` NATS header (outbox.py), is restored by the consumer that
handles the event (consumers.py), and is written on every JSON log line as `trace_id` (logs.py).

Work that waits in a queue and is done later by a background task keeps the id of the work that
queued it and is done under that id (`resumed`): a Telegram message queued by an update or an event
and sent by the bot's sender. Background tasks themselves start without one (`untraced_context`),
so that a task started while some request was traced does not write that request's id on the lines
of everything it does later (a batch writer started by the first webhook of its batch, say); the
lines they write about one piece of work are written under that work's id.

An id is 16 random hex digits, or the own id of what the work is about (`trace_id_of`: a call, a
campaign, a top-up's invoice; an opaque UUID as 32 hex digits), so one query finds all of it: never
derived from a phone number, a chat or anything else about a person. An id arriving from outside
that does not look like one is replaced, so a caller cannot put a phone number or a secret into
everyone's log lines through it.
"""

from __future__ import annotations

import contextvars
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

GRPC_METADATA_KEY = "x-trace-id"
NATS_HEADER = "Speechcue-Trace-Id"
LOG_FIELD = "trace_id"

trace_id_var: contextvars.ContextVar[str] = contextvars.ContextVar(LOG_FIELD, default="")

# Hex digits with at least one letter: a run of decimal digits alone could be a phone number.
_TRACE_ID = re.compile(r"(?=[0-9]*[a-f])[0-9a-f]{16,32}")


def new_trace_id() -> str:
    while True:
        trace_id = secrets.token_hex(8)
        if _TRACE_ID.fullmatch(trace_id):  # one in two thousand is all digits: not taken as an id
            return trace_id


def current_trace_id() -> str:
    """The trace id of the work in progress; '' outside any."""
    return trace_id_var.get()


def accepted(given: object) -> str:
    """`given` if it is a trace id (16 to 32 lowercase hex digits, not all of them decimal), else a new one."""
    if isinstance(given, bytes):
        given = given.decode("ascii", "replace")
    if isinstance(given, str) and _TRACE_ID.fullmatch(given):
        return given
    return new_trace_id()


def trace_id_of(own_id: str) -> str:
    """The trace of a thing that lives longer than one request, by its own UUID as 32 hex digits: a
    call's webhooks (our call id, hashed from the customer and the request's key: calls/placing.py),
    a campaign's dialling, a top-up's webhooks and credit (its invoice id). None of them holds a
    phone number. A new trace id when `own_id` is empty or not a UUID.
    "6f1d3c4e-2a7b-4f0e-9a51-7c3e8d2b1a90" → "6f1d3c4e2a7b4f0e9a517c3e8d2b1a90"."""
    return accepted(own_id.replace("-", "").lower())


@contextmanager
def traced(trace_id: str | None = None) -> Iterator[str]:
    """Runs the block under `trace_id` (accepted() first), or a new id when None, and restores the
    previous one after it."""
    chosen = new_trace_id() if trace_id is None else accepted(trace_id)
    token = trace_id_var.set(chosen)
    try:
        yield chosen
    finally:
        trace_id_var.reset(token)


@contextmanager
def resumed(trace_id: str) -> Iterator[str]:
    """Runs the block under a trace id kept with queued work; under none when it kept none (queued
    outside any trace, or before ids were kept) rather than under a new id nobody can look up."""
    token = trace_id_var.set(accepted(trace_id) if trace_id else "")
    try:
        yield trace_id_var.get()
    finally:
        trace_id_var.reset(token)


def untraced_context() -> contextvars.Context:
    """A copy of the current context without its trace id: for a background task started from traced
    work (asyncio.create_task(..., context=untraced_context())) whose lines are not about that work."""
    context = contextvars.copy_context()
    context.run(trace_id_var.set, "")
    return context


def continue_trace(trace_id: object) -> str:
    """Makes `trace_id` (accepted() first) the current one for the rest of this task; returns it.
    For code that owns its task (a gRPC handler, a consumer's handling of one message)."""
    chosen = accepted(trace_id)
    trace_id_var.set(chosen)
    return chosen
