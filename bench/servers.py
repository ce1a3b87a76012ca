"""PostgreSQL and NATS for a benchmark that runs the wallet and the calls service: started in a
folder, their databases migrated, stopped by the caller's ExitStack whatever happens. One copy, so
the benchmarks differ only in what they measure."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from devstack.nats import EmbeddedNats
from devstack.postgres import EmbeddedPostgres
from services.runtime.migrations import upgrade_to_head


@dataclass(frozen=True)
class Servers:
    postgres: EmbeddedPostgres
    nats: EmbeddedNats
    nats_url: str
    wallet_database_url: str
    calls_database_url: str


def start_wallet_and_calls_servers(folder: Path, cleanup: contextlib.ExitStack, *,
                                   postgres_settings: Mapping[str, str] | None = None) -> Servers:
    print(f"starting PostgreSQL and NATS in {folder}", flush=True)
    postgres = EmbeddedPostgres(folder / "postgres", durable=True, settings=postgres_settings)
    cleanup.callback(postgres.stop)
    postgres.start()
    wallet_database_url = postgres.create_database("wallet")
    calls_database_url = postgres.create_database("calls")
    nats = EmbeddedNats(folder / "nats")
    cleanup.callback(nats.stop)
    nats_url = nats.start()
    upgrade_to_head("wallet", wallet_database_url)
    upgrade_to_head("calls", calls_database_url)
    return Servers(postgres, nats, nats_url, wallet_database_url, calls_database_url)
