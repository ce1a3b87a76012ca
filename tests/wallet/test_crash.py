"""The wallet is killed with SIGKILL in the middle of concurrent load and restarted: the ledger
invariants hold, retried requests move money once, and a reader of the wallet's stream sees every
committed event exactly once and no event of a transaction that never committed."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import asyncpg
import grpc

from services.runtime.grpc_client import internal_channel
from speechcue.common.v1 import common_pb2
from speechcue.events.v1 import envelope_pb2, wallet_events_pb2
from speechcue.wallet.v1 import wallet_pb2, wallet_pb2_grpc
from tests.conftest import RunningServers
from tests.event_reader import read_events
from tests.wallet.conftest import INTERNAL_TOKEN, reset_wallet_stream
from tests.wallet.process import WalletProcess

CLIENTS = 16
RETRYABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.INTERNAL,
             grpc.StatusCode.ABORTED, grpc.StatusCode.UNKNOWN, grpc.StatusCode.CANCELLED}


async def send_until_answered(stub: wallet_pb2_grpc.WalletServiceStub, method: str, request: object,
                              give_up_at: float) -> str:
    """Retries with the same key until the wallet answers, as a caller that must not lose money would."""
    loop = asyncio.get_running_loop()
    while loop.time() < give_up_at:
        try:
            await getattr(stub, method)(request, timeout=3)
            return "ok"
        except grpc.aio.AioRpcError as error:
            if error.code() not in RETRYABLE:
                return error.code().name
            await asyncio.sleep(0.1)
    raise AssertionError(f"{method} never answered")


async def load(index: int, address: str, customers: list[str], stop_at: float, keys: list[str]) -> None:
    rng = random.Random(index)
    loop = asyncio.get_running_loop()
    async with internal_channel(address, INTERNAL_TOKEN) as channel:
        stub = wallet_pb2_grpc.WalletServiceStub(channel)
        step = 0
        while loop.time() < stop_at:
            step += 1
            key = f"crash-{index}-{step}"
            customer = rng.choice(customers)
            if rng.random() < 0.5:
                method, request = "Credit", wallet_pb2.CreditRequest(
                    idempotency_key=key, customer_id=customer, amount_cents=rng.randint(1, 50),
                    cause=common_pb2.Cause(type=common_pb2.CAUSE_TYPE_PAYMENT, id=key))
            else:
                method, request = "Debit", wallet_pb2.DebitRequest(
                    idempotency_key=key, customer_id=customer, amount_cents=rng.randint(1, 50),
                    cause=common_pb2.Cause(type=common_pb2.CAUSE_TYPE_CALL, id=key))
            keys.append(key)
            await send_until_answered(stub, method, request, stop_at + 30)


async def read_stream(nats_url: str) -> list[envelope_pb2.Envelope]:
    return await read_events(nats_url, "WALLET", "wallet.balance.>")


async def test_sigkill_during_load_loses_and_doubles_nothing(
    servers: RunningServers, wallet_database_url: str, tmp_path: Path,
) -> None:
    await reset_wallet_stream(servers.nats_url)
    wallet = WalletProcess(wallet_database_url, servers.nats_url, tmp_path / "wallet.log")
    await wallet.start()
    try:
        async with internal_channel(wallet.address, INTERNAL_TOKEN) as channel:
            stub = wallet_pb2_grpc.WalletServiceStub(channel)
            customers = []
            for index in range(12):
                customer = f"crash-customer-{index}"
                await stub.OpenAccount(wallet_pb2.OpenAccountRequest(idempotency_key=f"o{index}",
                                                                     customer_id=customer))
                customers.append(customer)
        loop = asyncio.get_running_loop()
        keys: list[str] = []
        stop_at = loop.time() + 6.0
        workers = asyncio.gather(*(load(i, wallet.address, customers, stop_at, keys) for i in range(CLIENTS)))
        for _ in range(2):
            await asyncio.sleep(1.5)
            wallet.kill()
            await asyncio.sleep(0.3)
            await wallet.start()
        await workers
        async with internal_channel(wallet.address, INTERNAL_TOKEN) as channel:
            report = await wallet_pb2_grpc.WalletServiceStub(channel).CheckLedger(wallet_pb2.CheckLedgerRequest())
        assert report.ok, report
        await asyncio.sleep(1.5)  # the relay publishes what the killed process left in the outbox
        envelopes = await read_stream(servers.nats_url)
    finally:
        wallet.terminate()

    connection = await asyncpg.connect(wallet_database_url)
    try:
        transfers = await connection.fetch(
            "SELECT id, kind, idempotency_key FROM transfers WHERE idempotency_key LIKE 'rpc:crash-%'")
        assert await connection.fetchval("SELECT count(*) FROM outbox") == 0
    finally:
        await connection.close()
    assert len(keys) > 100, "too little load ran to prove anything"
    assert len({row["idempotency_key"] for row in transfers}) == len(transfers)

    event_ids = [envelope.event_id for envelope in envelopes]
    assert len(event_ids) == len(set(event_ids)), "an event was published twice"
    seen: dict[str, list[int]] = {"wallet.balance.credited": [], "wallet.balance.debited": []}
    for envelope in envelopes:
        if envelope.type in seen:
            payload = (wallet_events_pb2.BalanceCredited() if envelope.type.endswith("credited")
                       else wallet_events_pb2.BalanceDebited())
            envelope.payload.Unpack(payload)
            seen[envelope.type].append(payload.transfer_id)
    committed_credits = sorted(row["id"] for row in transfers if row["kind"] == "topup")
    committed_debits = sorted(row["id"] for row in transfers if row["kind"] == "charge")
    assert sorted(seen["wallet.balance.credited"]) == committed_credits
    assert sorted(seen["wallet.balance.debited"]) == committed_debits


async def test_sigterm_stops_the_wallet_cleanly_after_finishing_its_work(
    servers: RunningServers, wallet_database_url: str, tmp_path: Path,
) -> None:
    await reset_wallet_stream(servers.nats_url)
    wallet = WalletProcess(wallet_database_url, servers.nats_url, tmp_path / "wallet.log")
    await wallet.start()
    async with internal_channel(wallet.address, INTERNAL_TOKEN) as channel:
        stub = wallet_pb2_grpc.WalletServiceStub(channel)
        await stub.OpenAccount(wallet_pb2.OpenAccountRequest(idempotency_key="o", customer_id="term-1"))
        await stub.Credit(wallet_pb2.CreditRequest(
            idempotency_key="t1", customer_id="term-1", amount_cents=10,
            cause=common_pb2.Cause(type=common_pb2.CAUSE_TYPE_PAYMENT, id="p")))
    assert wallet.process is not None
    wallet.process.terminate()
    exit_code = await asyncio.to_thread(wallet.process.wait, 20)
    assert exit_code == 0
    log = (tmp_path / "wallet.log").read_text()
    assert "wallet stopped" in log
    connection = await asyncpg.connect(wallet_database_url)
    try:
        assert await connection.fetchval("SELECT count(*) FROM outbox") == 0
    finally:
        await connection.close()
    assert [envelope.type for envelope in await read_stream(servers.nats_url)] == ["wallet.balance.credited"]
