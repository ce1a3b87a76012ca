"""The bot's sender at one and at two replicas sharing one database: messages per second across all
of them, whether Telegram's limits held, and what the shared limiter costs a send.

Why: Telegram's 30 messages a second and one a second per chat are the bot's, whichever replica
sends; the replicas keep them together in PostgreSQL (services/bot/send_limits.py). This shows the
rate across replicas stays near 30 a second without a 429, and that the limiter's two statements a
send are far from being a bottleneck.

`python -m bench.bot_sender_replicas [--messages 1000] [--chats 100] [--latency-ms 50] [--replicas 1 2]`
starts its own PostgreSQL and NATS in a temporary folder, migrates the bot database, runs the
Telegram simulator (its flood control as Telegram's) and, for each `--replicas`, that many bot
processes, each configured with the full 30 a second. It queues `--messages` sendMessage rows for
`--chats` chats into `outgoing_messages`, waits until none is pending and reads the simulator's
record: messages per second from the first to the last, the busiest second, and 429 answers. Then
it measures the limiter alone: one task reserving a slot and recording its answer as fast as it can
(as one replica's sender reserves, one at a time), then two handles on the database (two replicas)
with 8 tasks each (the window set to zero, so nobody waits for time): reservations a second and each
reservation's and answer's latency. It prints tables; it
asserts nothing about time (it exits 1 only if a message was lost or refused).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import statistics
import tempfile
import time
from pathlib import Path

from bench.bot_sender import bot_process, drain, open_chats, sandbox_process, statuses
from bench.bot_webhook import insert_users, user_ids
from bench.signals import exit_on_sigterm
from devstack.nats import EmbeddedNats
from devstack.ports import free_port
from devstack.postgres import EmbeddedPostgres
from services.bot.send_limits import SAFETY_SECONDS, SharedPace
from services.runtime.database import Database
from services.runtime.migrations import upgrade_to_head

COST_SECONDS = 5.0
# (replicas, tasks in each): one send at a time, as one replica's sender reserves; then many at once.
COST_RUNS = ((1, 1), (2, 8))


async def measure(folder: Path, *, database_url: str, nats_url: str, sandbox_port: int, chats: list[int],
                  messages: int, replicas: int, run: int) -> dict[str, float]:
    bots = [bot_process(folder, database_url=database_url, nats_url=nats_url, sandbox_port=sandbox_port,
                        name=f"replica-{run * 10 + index}", settings={"BOT_MESSAGES_PER_SECOND": "30"})
            for index in range(replicas)]
    return await drain(bots, database_url=database_url, sandbox_port=sandbox_port, chats=chats, messages=messages,
                       run=run)


async def limiter_cost(database_url: str, replicas: int, tasks: int) -> dict[str, float]:
    """Reservations and answers as fast as the replicas' tasks can make them, nobody waiting for time."""
    url = database_url.replace("postgresql://", "postgresql+asyncpg://", 1)
    handles = [Database(url, pool_size=tasks) for _ in range(replicas)]
    reserve_ms: list[float] = []
    answer_ms: list[float] = []
    stop_at = time.monotonic() + COST_SECONDS

    async def sends(pace: SharedPace, chat: int) -> None:
        while time.monotonic() < stop_at:
            started = time.monotonic()
            ticket = await pace.wait_for_slot(chat, chat_ready_at=0.0)
            reserved = time.monotonic()
            await pace.answered(ticket, at=reserved)
            reserve_ms.append((reserved - started) * 1000)
            answer_ms.append((time.monotonic() - reserved) * 1000)

    try:
        paces = [SharedPace(handle, 30, 0.0, window_seconds=-SAFETY_SECONDS) for handle in handles]
        started = time.monotonic()
        await asyncio.gather(*(sends(pace, replica * 100 + task) for replica, pace in enumerate(paces)
                               for task in range(tasks)))
        elapsed = time.monotonic() - started
    finally:
        for handle in handles:
            await handle.close()

    def percentile(values: list[float], share: float) -> float:
        return statistics.quantiles(values, n=100)[int(share * 100) - 1]

    return {"per_second": len(reserve_ms) / elapsed, "reserve_p50": percentile(reserve_ms, 0.5),
            "reserve_p99": percentile(reserve_ms, 0.99), "answer_p50": percentile(answer_ms, 0.5),
            "answer_p99": percentile(answer_ms, 0.99)}


async def run(folder: Path, *, database_url: str, nats_url: str, messages: int, chats: int, latency_ms: int,
              replica_counts: list[int]) -> bool:
    sandbox_port = free_port()
    sandbox = sandbox_process(folder, sandbox_port, latency_ms)
    await sandbox.start()
    try:
        people = user_ids(chats)
        await insert_users(database_url, people)
        await open_chats(sandbox_port, people)
        print(f"{messages:,} messages to {chats:,} chats, Bot API round trip {latency_ms} ms, "
              "Telegram's limits: 30 a second, 3 per chat in 3 seconds; every replica set to 30 a second\n")
        print("| bot replicas | accepted | messages/s | busiest second | answered 429 |")
        print("|---:|---:|---:|---:|---:|")
        complete = True
        for index, replicas in enumerate(replica_counts):
            figures = await measure(folder, database_url=database_url, nats_url=nats_url, sandbox_port=sandbox_port,
                                    chats=people, messages=messages, replicas=replicas, run=index)
            print(f"| {replicas} | {figures['accepted']:,.0f} | {figures['per_second']:.1f} | "
                  f"{figures['busiest_second']:.0f} | {figures['too_many_requests']:.0f} |", flush=True)
            complete &= figures["accepted"] == messages
        left = await statuses(database_url)
        print(f"\noutgoing messages by status: {left}")
    finally:
        sandbox.stop()
    print(f"\nThe limiter alone, no waiting for time, {COST_SECONDS:.0f} s a row:\n")
    print("| replicas x tasks | reservations/s | reserve p50 ms | reserve p99 ms | answer p50 ms | answer p99 ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for replicas, tasks in COST_RUNS:
        cost = await limiter_cost(database_url, replicas, tasks)
        print(f"| {replicas} x {tasks} | {cost['per_second']:,.0f} | {cost['reserve_p50']:.2f} | "
              f"{cost['reserve_p99']:.2f} | {cost['answer_p50']:.2f} | {cost['answer_p99']:.2f} |", flush=True)
    return complete and set(left) == {"sent"}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bot_sender_replicas",
                                     description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1000, help="messages queued per run (default 1000)")
    parser.add_argument("--chats", type=int, default=100, help="chats they go to (default 100)")
    parser.add_argument("--latency-ms", type=int, default=50, help="the Bot API's round trip (default 50)")
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2], help="bot replicas per run (default 1 2)")
    arguments = parser.parse_args()
    if arguments.messages < 1 or arguments.chats < 1 or not all(r >= 1 for r in arguments.replicas):
        parser.error("--messages, --chats and every --replicas must be at least 1")
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    with tempfile.TemporaryDirectory(prefix="speechcue-bench-") as name, contextlib.ExitStack() as cleanup:
        folder = Path(name)
        postgres = EmbeddedPostgres(folder / "postgres", durable=True)
        cleanup.callback(postgres.stop)
        postgres.start()
        database_url = postgres.create_database("bot")
        nats = EmbeddedNats(folder / "nats")
        cleanup.callback(nats.stop)
        nats_url = nats.start()
        upgrade_to_head("bot", database_url)
        complete = asyncio.run(run(folder, database_url=database_url, nats_url=nats_url, messages=arguments.messages,
                                   chats=arguments.chats, latency_ms=arguments.latency_ms,
                                   replica_counts=arguments.replicas))
    raise SystemExit(0 if complete else 1)


if __name__ == "__main__":
    main()
