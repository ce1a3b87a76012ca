"""The sandbox HTTP app: every simulator mounted on one port, plus /healthz."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from services.sandbox.dynopay_simulator import DynoPaySimulator, add_dynopay_routes
from services.sandbox.retell_routes import add_retell_routes
from services.sandbox.retell_simulator import RetellSimulator
from services.sandbox.settings import SandboxSettings


def create_sandbox_app(settings: SandboxSettings) -> tuple[FastAPI, RetellSimulator]:
    app, retell, _ = create_sandbox(settings)
    return app, retell


def create_sandbox(settings: SandboxSettings) -> tuple[FastAPI, RetellSimulator, DynoPaySimulator]:
    retell = RetellSimulator(
        settings.retell_api_key, time_scale=settings.sandbox_time_scale,
        concurrency_limit=settings.sandbox_retell_concurrency, webhook_url=settings.sandbox_retell_webhook_url,
        phone_numbers=tuple(n.strip() for n in settings.sandbox_caller_ids.split(",") if n.strip()),
    )

    dynopay = DynoPaySimulator(settings.dynopay_api_key, settings.dynopay_wallet_token,
                               settings.dynopay_webhook_secret, webhook_url=settings.sandbox_dynopay_webhook_url,
                               time_scale=settings.sandbox_time_scale)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await retell.close()
        await dynopay.close()

    app = FastAPI(title="speechcue-sandbox", docs_url=None, redoc_url=None, lifespan=lifespan)
    add_retell_routes(app, retell)
    add_dynopay_routes(app, dynopay)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app, retell, dynopay
