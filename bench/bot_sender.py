"""The bot's sender against a Bot API that takes time to answer: messages delivered per second, and
whether Telegram's limits held, with the sender's calls one at a time and side by side.

Why: Telegram lets a bot send about 30 messages a second, and each Bot API call takes a round trip
(tens to hundreds of milliseconds from a data centre). A sender that waits for each answer before
the next call is bound by that round trip, not by Telegram's limit; campaign progress, call
outcomes and reminders to many chats queue behind it.

`python -m bench.bot_sender [--messages N] [--chats N] [--latency-ms N] [--concurrency N ...]` starts
its own PostgreSQL and NATS in a temporary folder, migrates the bot database, runs the Telegram
simulator (`python -m services.sandbox`, its flood control as Telegram's: 30 sends a second, 3 per
chat in any 3 seconds, and `SANDBOX_TELEGRAM_LATENCY_MS` as the round trip) and, for each
`--concurrency`, the bot (`python -m services.bot`, `BOT_SENDER_CONCURRENCY`, its pace at Telegram's
limits: 30 a second, one a second per chat). It queues `--messages` sendMessage rows for `--chats`
chats straight into `outgoing_messages`, as the screens and notifications do, waits until none is
pending and reads the simulator's record of the sends it accepted: messages per second from the first
to the last, the busiest second, and how many calls it answered 429. It prints a table; it is not a
test and asserts nothing about time (it exits 1 only if a message was lost or refused).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import tempfile
import time
from pathlib import Path

import asyncpg

from bench.bot_webhook import BOT_TOKEN, WEBHOOK_SECRET, insert_users, one_call, user_ids
from bench.service_process import ServiceProcess
from bench.signals import exit_on_sigterm
from devstack.nats import EmbeddedNats
from devstack.ports import free_port
from devstack.postgres import EmbeddedPostgres
from services.runtime.migrations import upgrade_to_head

DRAIN_TIMEOUT_SECONDS = 300.0


def sandbox_process(folder: Path, port: int, latency_ms: int) -> ServiceProcess:
    return ServiceProcess("sandbox", ["-m", "services.sandbox"], {
        "SPEECHCUE_HTTP_PORT": str(port), "SPEECHCUE_HTTP_HOST": "127.0.0.1",
        "TELEGRAM_BOT_TOKEN": BOT_TOKEN, "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "SANDBOX_TELEGRAM_WEBHOOK_URL": "", "SANDBOX_TELEGRAM_LATENCY_MS": str(latency_ms),
    }, http_port=port, ready_path="/healthz", log_path=folder / "sandbox.log")


def bot_process(folder: Path, *, database_url: str, nats_url: str, sandbox_port: int, name: str,
                settings: dict[str, str]) -> ServiceProcess:
    """A bot sending to the sandbox's Bot API and nothing else (no other service to call), with these
    sender `settings` (e.g. BOT_SENDER_CONCURRENCY); `name` tells its log apart."""
    http_port, nowhere = free_port(), f"127.0.0.1:{free_port()}"
    return ServiceProcess(f"bot ({name})", ["-m", "services.bot"], {
        "SPEECHCUE_ENV": "development", "SPEECHCUE_NATS_URL": nats_url,
        "SPEECHCUE_DATABASE_URL": database_url, "SPEECHCUE_HTTP_HOST": "127.0.0.1",
        "SPEECHCUE_GRPC_HOST": "127.0.0.1", "SPEECHCUE_GRPC_PORT": str(free_port()),
        "SPEECHCUE_HTTP_PORT": str(http_port), "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET, "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{sandbox_port}",
        "SPEECHCUE_PUBLIC_BASE_URL": "", "WALLET_GRPC_ADDR": nowhere, "CALLS_GRPC_ADDR": nowhere,
        "PAYMENTS_GRPC_ADDR": nowhere, **settings,
    }, http_port=http_port, ready_path="/readyz", log_path=folder / f"bot-{name}.log")


async def open_chats(sandbox_port: int, chats: list[int]) -> None:
    """Each person writes to the bot once, so that the bot may write back (as on Telegram)."""
    for chat in chats:
        await one_call(sandbox_port, "POST", f"/sandbox/telegram/users/{chat}/messages",
                       {"text": "/start", "first_name": "Bench", "language_code": "en", "wait": False})


async def queue_messages(database_url: str, chats: list[int], messages: int, run: int) -> None:
    connection = await asyncpg.connect(database_url)
    try:
        await connection.copy_records_to_table("outgoing_messages", columns=["chat_id", "method", "body"], records=[
            (chats[index % len(chats)], "sendMessage",
             json.dumps({"chat_id": chats[index % len(chats)], "text": f"Run {run}, message {index}"}))
            for index in range(messages)])
    finally:
        await connection.close()


async def statuses(database_url: str) -> dict[str, int]:
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch("SELECT status, count(*) AS n FROM outgoing_messages GROUP BY status")
        return {row["status"]: row["n"] for row in rows}
    finally:
        await connection.close()


async def drain(bots: list[ServiceProcess], *, database_url: str, sandbox_port: int, chats: list[int],
                messages: int, run: int) -> dict[str, float]:
    """Queues `messages` to `chats`, lets these bots send them all (started together, so that none drains
    the queue alone before the others are up), and answers what the Bot API saw of this run."""
    before = await one_call(sandbox_port, "GET", "/sandbox/telegram/counters")
    since = time.time()
    await queue_messages(database_url, chats, messages, run)
    try:
        await asyncio.gather(*(bot.start() for bot in bots))
        deadline = time.monotonic() + DRAIN_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if not (await statuses(database_url)).get("pending", 0):
                break
            await asyncio.sleep(0.2)
    finally:
        for bot in bots:
            bot.stop()
    after = await one_call(sandbox_port, "GET", "/sandbox/telegram/counters")
    calls = (await one_call(sandbox_port, "GET", "/sandbox/telegram/calls?method=sendMessage"))["calls"]
    sent_at = sorted(float(call["at"]) for call in calls if float(call["at"]) >= since
                     and str(call["params"].get("text", "")).startswith(f"Run {run},"))
    busiest = max((sum(1 for t in sent_at if start <= t < start + 1.0) for start in sent_at), default=0)
    seconds = sent_at[-1] - sent_at[0] if len(sent_at) > 1 else 0.0
    return {"accepted": len(sent_at), "per_second": (len(sent_at) - 1) / seconds if seconds else 0.0,
            "busiest_second": busiest, "too_many_requests": after["too_many_requests"] - before["too_many_requests"]}


async def measure(folder: Path, *, database_url: str, nats_url: str, sandbox_port: int, chats: list[int],
                  messages: int, concurrency: int, run: int) -> dict[str, float]:
    bot = bot_process(folder, database_url=database_url, nats_url=nats_url, sandbox_port=sandbox_port,
                      name=str(concurrency), settings={"BOT_SENDER_CONCURRENCY": str(concurrency)})
    return await drain([bot], database_url=database_url, sandbox_port=sandbox_port, chats=chats,
                       messages=messages, run=run)


async def run(folder: Path, *, database_url: str, nats_url: str, messages: int, chats: int, latency_ms: int,
              concurrencies: list[int]) -> bool:
    sandbox_port = free_port()
    sandbox = sandbox_process(folder, sandbox_port, latency_ms)
    await sandbox.start()
    try:
        people = user_ids(chats)
        await insert_users(database_url, people)
        await open_chats(sandbox_port, people)
        print(f"{messages:,} messages to {chats:,} chats, Bot API round trip {latency_ms} ms, "
              "Telegram's limits: 30 a second, 3 per chat in 3 seconds\n")
        print("| sender concurrency | accepted | messages/s | busiest second | answered 429 |")
        print("|---:|---:|---:|---:|---:|")
        complete = True
        for index, concurrency in enumerate(concurrencies):
            figures = await measure(folder, database_url=database_url, nats_url=nats_url, sandbox_port=sandbox_port,
                                    chats=people, messages=messages, concurrency=concurrency, run=index)
            print(f"| {concurrency} | {figures['accepted']:,.0f} | {figures['per_second']:.1f} | "
                  f"{figures['busiest_second']:.0f} | {figures['too_many_requests']:.0f} |", flush=True)
            complete &= figures["accepted"] == messages
        left = await statuses(database_url)
        print(f"\noutgoing messages by status: {left}")
        return complete and set(left) == {"sent"}
    finally:
        sandbox.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bot_sender", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=600, help="messages queued per run (default 600)")
    parser.add_argument("--chats", type=int, default=200, help="chats they go to (default 200)")
    parser.add_argument("--latency-ms", type=int, default=150, help="the Bot API's round trip (default 150)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8],
                        help="BOT_SENDER_CONCURRENCY values to run (default 1 8)")
    arguments = parser.parse_args()
    if arguments.messages < 1 or arguments.chats < 1 or not all(c >= 1 for c in arguments.concurrency):
        parser.error("--messages, --chats and every --concurrency must be at least 1")
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
                                   concurrencies=arguments.concurrency))
    raise SystemExit(0 if complete else 1)


if __name__ == "__main__":
    main()
