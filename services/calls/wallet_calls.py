"""Calling the wallet from the calls service, with its refusals turned into ours: a refusal keeps
its machine-readable reason, an unreachable wallet becomes UNAVAILABLE (retry with the same key)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import grpc

from services.runtime.errors import DependencyUnavailable, FailedPrecondition, NotFound
from services.runtime.grpc_client import refusal_reason

WALLET_TIMEOUT_SECONDS = 10.0


class WalletRefused(FailedPrecondition):
    default_reason = "WALLET_REFUSED"


@contextlib.asynccontextmanager
async def wallet_call(doing: str) -> AsyncIterator[None]:
    try:
        yield
    except grpc.aio.AioRpcError as error:
        reason = refusal_reason(error) or error.code().name
        if error.code() == grpc.StatusCode.FAILED_PRECONDITION:
            raise WalletRefused(error.details() or f"the wallet refused {doing}", reason=reason) from None
        if error.code() == grpc.StatusCode.NOT_FOUND:
            raise NotFound(f"{doing}: {error.details()}", reason=reason) from None
        if error.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
            raise DependencyUnavailable(f"the wallet is unavailable while {doing}; retry shortly") from None
        raise RuntimeError(f"the wallet failed while {doing}: {error.code().name}") from None
