"""The sandbox HTTP app: every simulator mounted on one port, plus /healthz."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from services.sandbox.retell_routes import add_retell_routes
from services.sandbox.retell_simulator import RetellSimulator
from services.sandbox.settings import SandboxSettings


def create_sandbox_app(settings: SandboxSettings) -> tuple[FastAPI, RetellSimulator]:
    retell = RetellSimulator(
        settings.retell_api_key, time_scale=settings.sandbox_time_scale,
        concurrency_limit=settings.sandbox_retell_concurrency, webhook_url=settings.sandbox_retell_webhook_url,
        phone_numbers=tuple(n.strip() for n in settings.sandbox_caller_ids.split(",") if n.strip()),
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await retell.close()

    app = FastAPI(title="speechcue-sandbox", docs_url=None, redoc_url=None, lifespan=lifespan)
    add_retell_routes(app, retell)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app, retell
