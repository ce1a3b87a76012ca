"""Sixteen concurrent gRPC clients do random work on random accounts and on one hot account, a
third of their requests replays of earlier ones with the same key: the ledger invariants hold and
every key moved money exactly once."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field

import asyncpg
import grpc

from services.runtime.grpc_client import internal_channel
from speechcue.common.v1 import common_pb2
from speechcue.wallet.v1 import wallet_pb2, wallet_pb2_grpc
from tests.wallet.conftest import INTERNAL_TOKEN, WalletHarness

CLIENTS = 16
OPERATIONS_PER_CLIENT = 45


@dataclass
class History:
    sent: list[tuple[str, str, object]] = field(default_factory=list)  # (method, key, request)
    answers: dict[str, list[bytes | str]] = field(default_factory=dict)  # key -> answers or refusal codes


def random_request(rng: random.Random, customers: list[str], hot: str, key: str) -> tuple[str, object]:
    customer = hot if rng.random() < 0.3 else rng.choice(customers)
    roll = rng.random()
    if roll < 0.35:
        return "Credit", wallet_pb2.CreditRequest(
            idempotency_key=key, customer_id=customer, amount_cents=rng.randint(1, 500),
            cause=common_pb2.Cause(type=common_pb2.CAUSE_TYPE_PAYMENT, id=key))
    if roll < 0.75:
        return "Debit", wallet_pb2.DebitRequest(
            idempotency_key=key, customer_id=customer, amount_cents=rng.randint(1, 400),
            cause=common_pb2.Cause(type=common_pb2.CAUSE_TYPE_CALL, id=f"call-{key}"))
    return "PlaceHold", wallet_pb2.PlaceHoldRequest(
        idempotency_key=key, customer_id=customer, call_id=f"call-{key}", amount_cents=rng.randint(1, 300),
        usage_kind=wallet_pb2.USAGE_KIND_SINGLE)


async def client_work(index: int, address: str, customers: list[str], hot: str, history: History) -> None:
    rng = random.Random(1000 + index)
    async with internal_channel(address, INTERNAL_TOKEN) as channel:
        stub = wallet_pb2_grpc.WalletServiceStub(channel)
        for step in range(OPERATIONS_PER_CLIENT):
            if history.sent and rng.random() < 1 / 3:
                method, key, request = rng.choice(history.sent)
            else:
                key = f"w{index}-{step}"
                method, request = random_request(rng, customers, hot, key)
                history.sent.append((method, key, request))
            try:
                answer = await getattr(stub, method)(request)
                outcome: bytes | str = answer.SerializeToString(deterministic=True)
            except grpc.aio.AioRpcError as error:
                outcome = error.code().name
            history.answers.setdefault(key, []).append(outcome)


async def test_sixteen_clients_with_replays_keep_invariants_and_move_money_once_per_key(
    wallet: WalletHarness,
) -> None:
    customers = [await wallet.open() for _ in range(24)]
    hot = await wallet.open()
    for customer in [*customers, hot]:
        await wallet.credit(customer, 2000)
    history = History()
    address = f"127.0.0.1:{wallet.running.grpc_port}"
    await asyncio.gather(*(client_work(i, address, customers, hot, history) for i in range(CLIENTS)))

    replayed = {key: answers for key, answers in history.answers.items() if len(answers) > 1}
    assert len(replayed) > 50, "the run replayed too little to prove anything"
    for key, answers in replayed.items():
        successes = {answer for answer in answers if isinstance(answer, bytes)}
        # A key's answers agree; a refused first attempt may succeed on retry once funds allow,
        # but a key never yields two different successful answers.
        assert len(successes) <= 1, f"key {key} answered differently: {answers}"

    connection = await asyncpg.connect(wallet.database_url)
    try:
        rows = await connection.fetch(
            "SELECT idempotency_key, count(*) AS n FROM transfers WHERE idempotency_key LIKE 'rpc:w%' "
            "OR idempotency_key LIKE 'hold:call-w%' GROUP BY idempotency_key")
        assert all(row["n"] == 1 for row in rows)
        moved_keys = {row["idempotency_key"].split(":", 1)[1].removeprefix("call-") for row in rows}
        succeeded_keys = {key for key, answers in history.answers.items()
                          if any(isinstance(answer, bytes) for answer in answers)}
        assert moved_keys == succeeded_keys
        negative = await connection.fetchval(
            "SELECT count(*) FROM accounts WHERE customer_id IS NOT NULL AND balance_cents < 0")
        assert negative == 0
    finally:
        await connection.close()
    report = await wallet.ledger()
    assert report.ok, report
    assert report.transfers >= len(succeeded_keys)
