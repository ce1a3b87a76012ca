"""The idempotency store: the same key with the same request returns the first answer; with a
different request it is refused (DESIGN.md §4.1).

A key is claimed by inserting it inside the request's own transaction, so a concurrent retry
waits on the row lock until the first attempt commits (then reads its answer) or rolls back (then
does the work itself). A refusal rolls back, so it is not remembered: a retry after the customer
has fixed the cause (for example topped up) can succeed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from google.protobuf.message import Message
from sqlalchemy import select

from services.runtime.database import Database, UnitOfWork
from services.runtime.driver_sql import DriverStatement, deferred_insert
from services.runtime.errors import ConflictingRetry, IdempotencyKeyReused, InvalidArgument
from services.runtime.runtime_tables import idempotency_keys

MAX_KEY_LENGTH = 200
ResponseT = TypeVar("ResponseT", bound=Message)


def request_fingerprint(request: Message, scope: str = "") -> bytes:
    """A hash of the request without its idempotency key, stable across retries. The message type
    (and `scope`, for RPCs that share one) is part of it: the same bytes sent to another RPC under
    a used key are a different request, not a replay."""
    copy = type(request)()
    copy.CopyFrom(request)
    if "idempotency_key" in copy.DESCRIPTOR.fields_by_name:
        copy.ClearField("idempotency_key")  # type: ignore[arg-type]
    digest = hashlib.sha256(f"{copy.DESCRIPTOR.full_name}\0{scope}\0".encode())
    digest.update(copy.SerializeToString(deterministic=True))
    return digest.digest()


def validate_key(key: str) -> str:
    if not key:
        raise InvalidArgument("idempotency_key is required", reason="IDEMPOTENCY_KEY_MISSING")
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidArgument(
            f"idempotency_key must be printable and at most {MAX_KEY_LENGTH} characters",
            reason="IDEMPOTENCY_KEY_INVALID",
        )
    return key


_CLAIM = DriverStatement(
    "INSERT INTO idempotency_keys (key, request_hash) VALUES (:key, :hash) ON CONFLICT (key) DO NOTHING RETURNING key"
)


async def claim_key(uow: UnitOfWork, key: str, fingerprint: bytes) -> bytes | None:
    """Claims `key` for this transaction; returns the stored answer when it was already used."""
    claimed = await _CLAIM.execute(uow, key=key, hash=fingerprint)
    if claimed.first() is not None:
        return None
    stored = (
        await uow.connection.execute(
            select(idempotency_keys.c.request_hash, idempotency_keys.c.response).where(
                idempotency_keys.c.key == key
            )
        )
    ).one()
    return stored_answer(bytes(stored.request_hash), stored.response, fingerprint)


def stored_answer(stored_fingerprint: bytes, response: bytes | None, fingerprint: bytes) -> bytes:
    """The first answer to a key that was already used, if this request is a true replay of it."""
    if stored_fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            "this idempotency_key was already used for a different request; use a new key"
        )
    if response is None:
        raise ConflictingRetry("the first request with this key is still being processed; retry")
    return bytes(response)


async def remember_answer(uow: UnitOfWork, key: str, answer: Message) -> None:
    await remember_answers(uow, [(key, answer)])


async def remember_answers(uow: UnitOfWork, answers: list[tuple[str, Message]], *,
                           forget: Sequence[str] = ()) -> None:
    """Stores the answers and releases the keys in `forget` (claimed by requests that were refused,
    so a retry may succeed). The transaction's deferred inserts (its events) ride along as CTEs, so
    the whole tail of the transaction is one round trip."""
    parameters: list[Any] = [[key for key, _ in answers],
                             [answer.SerializeToString(deterministic=True) for _, answer in answers]]
    ctes = []
    if forget:
        parameters.append(list(forget))
        ctes.append(f"forgotten AS (DELETE FROM idempotency_keys WHERE key = ANY(${len(parameters)}::text[]))")
    for index, (table, rows) in enumerate(uow.take_deferred_inserts()):
        statement, arrays = deferred_insert(table, rows, len(parameters) + 1)
        ctes.append(f"d{index} AS ({statement})")
        parameters.extend(arrays)
    prefix = f"WITH {', '.join(ctes)} " if ctes else ""
    await (await uow.driver()).execute(
        f"{prefix}UPDATE idempotency_keys k SET response = a.response "
        "FROM unnest($1::text[], $2::bytea[]) AS a(key, response) WHERE k.key = a.key",
        *parameters,
    )


async def run_idempotent(
    database: Database,
    key: str,
    request: Message,
    answer_type: type[ResponseT],
    work: Callable[[UnitOfWork], Awaitable[ResponseT]],
    *,
    scope: str = "",
) -> ResponseT:
    """Runs `work` once per key in one transaction, storing its answer beside its effects."""
    validate_key(key)
    fingerprint = request_fingerprint(request, scope)
    async with database.unit_of_work() as uow:
        stored = await claim_key(uow, key, fingerprint)
        if stored is not None:
            return answer_type.FromString(stored)
        answer = await work(uow)
        await remember_answer(uow, key, answer)
        await uow.commit()
        return answer
