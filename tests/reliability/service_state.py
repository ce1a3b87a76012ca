"""What a service holds, as one value to compare before and after a rejected input: a digest of
every table of its database and how many events its JetStream stream has received.

Fuzz bodies run in a worker thread (the services under test run in the test's event loop, which
must keep turning), so `settled()` is a plain blocking call: it reads the database with psycopg and
asks the event loop for the stream's sequence.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import nats
import psycopg
from nats.js.errors import NotFoundError

# The relay deletes outbox rows once they are published: an event is counted by the stream
# sequence instead, after the outbox has drained.
UNCOMPARED_TABLES = frozenset({"outbox", "alembic_version"})
QUIET_WAIT_SECONDS = 10.0
# Work a service finishes in the background a moment later, which a quiet service has none of: the
# calls service settles ended calls in batches, up to 150 ms after they ended (settlement.py).
WORK_IN_PROGRESS = {"CALLS": "SELECT count(*) FROM calls WHERE settlement = 'pending'"}
Answer = TypeVar("Answer")


@dataclass(frozen=True)
class Snapshot:
    tables: tuple[tuple[str, str], ...]
    stream_sequence: int
    outbox_rows: int
    work_in_progress: int = 0

    def differences(self, other: Snapshot) -> list[str]:
        mine, theirs = dict(self.tables), dict(other.tables)
        changed = [name for name in sorted(mine.keys() | theirs.keys()) if mine.get(name) != theirs.get(name)]
        if self.stream_sequence != other.stream_sequence:
            changed.append(f"stream sequence {self.stream_sequence} → {other.stream_sequence}")
        return changed


@dataclass
class ServiceState:
    database_url: str
    nats_url: str
    stream: str
    loop: asyncio.AbstractEventLoop
    ignored_tables: frozenset[str] = field(default_factory=frozenset)

    def settled(self) -> Snapshot:
        """The state once the service is quiet: the outbox drained and two reads in a row equal, so
        background work from an earlier accepted input is not blamed on the next one."""
        deadline = time.monotonic() + QUIET_WAIT_SECONDS
        previous = self._read()
        while True:
            time.sleep(0.02)
            current = self._read()
            if current == previous and current.outbox_rows == 0 and current.work_in_progress == 0:
                return current
            if time.monotonic() > deadline:
                raise AssertionError(f"the service did not settle: {previous.differences(current)}")
            previous = current

    def _read(self) -> Snapshot:
        with psycopg.connect(self.database_url, autocommit=True) as connection:
            names = [row[0] for row in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
            compared = [n for n in names if n not in UNCOMPARED_TABLES | self.ignored_tables]
            # One round trip: per table, its row count and an md5 over its rows in a stable order.
            query = " UNION ALL ".join(
                f"SELECT '{name}', count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '')"
                f' FROM "{name}" t' for name in compared)
            tables = tuple((str(name), str(digest)) for name, digest in connection.execute(query))
            outbox_rows = connection.execute("SELECT count(*) FROM outbox").fetchone()
            busy_sql = WORK_IN_PROGRESS.get(self.stream)
            busy = connection.execute(busy_sql).fetchone() if busy_sql else None
        sequence = asyncio.run_coroutine_threadsafe(stream_sequence(self.nats_url, self.stream), self.loop).result(10)
        return Snapshot(tables, sequence, int(outbox_rows[0]) if outbox_rows else 0, int(busy[0]) if busy else 0)


class RejectionWatch:
    """Asserts that every rejected input leaves the service as it was. After a rejection the state
    is known, so the next input needs no fresh read before it."""

    def __init__(self, state: ServiceState) -> None:
        self.state = state
        self._known: Snapshot | None = None

    def send(self, send: Callable[[], Answer], accepted: Callable[[Answer], bool]) -> Answer:
        before = self._known or self.state.settled()
        answer = send()
        if accepted(answer):
            self._known = None
            return answer
        after = self.state.settled()
        assert after == before, f"a rejected input changed {before.differences(after)}: {answer!r}"
        self._known = after
        return answer


async def stream_sequence(nats_url: str, stream: str) -> int:
    """The last sequence number of `stream` (0 when it does not exist yet)."""
    client = await nats.connect(nats_url)
    try:
        info = await client.jetstream().stream_info(stream)
        return int(info.state.last_seq)
    except NotFoundError:
        return 0
    finally:
        await client.close()
