"""The sandbox HTTP app: every simulator mounted on one port, plus /healthz."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from services.sandbox.dynopay_simulator import DynoPaySimulator, add_dynopay_routes
from services.sandbox.retell_routes import add_retell_routes
from services.sandbox.retell_simulator import RetellSimulator
from services.sandbox.settings import SandboxSettings
from services.sandbox.telegram_routes import add_telegram_routes
from services.sandbox.telegram_simulator import DEFAULT_RETRY_DELAYS, TelegramSimulator


@dataclass
class Sandbox:
    """The app and each simulator behind it, for tests that drive the simulators in-process."""

    app: FastAPI
    retell: RetellSimulator
    dynopay: DynoPaySimulator
    telegram: TelegramSimulator


def create_sandbox_app(settings: SandboxSettings) -> tuple[FastAPI, RetellSimulator]:
    sandbox = build_sandbox(settings)
    return sandbox.app, sandbox.retell


def create_sandbox(settings: SandboxSettings) -> tuple[FastAPI, RetellSimulator, DynoPaySimulator]:
    sandbox = build_sandbox(settings)
    return sandbox.app, sandbox.retell, sandbox.dynopay


def build_sandbox(settings: SandboxSettings) -> Sandbox:
    retell = RetellSimulator(
        settings.retell_api_key, time_scale=settings.sandbox_time_scale,
        concurrency_limit=settings.sandbox_retell_concurrency, webhook_url=settings.sandbox_retell_webhook_url,
        phone_numbers=tuple(n.strip() for n in settings.sandbox_caller_ids.split(",") if n.strip()),
        imported_numbers=tuple(n.strip() for n in settings.sandbox_imported_caller_ids.split(",") if n.strip()),
        recording_base_url=settings.sandbox_public_base_url
        or f"http://{settings.speechcue_http_host}:{settings.speechcue_http_port}",
    )

    dynopay = DynoPaySimulator(settings.dynopay_api_key, settings.dynopay_wallet_token,
                               settings.dynopay_webhook_secret, webhook_url=settings.sandbox_dynopay_webhook_url,
                               time_scale=settings.sandbox_time_scale)

    retry_scale = settings.sandbox_telegram_retry_scale or settings.sandbox_time_scale
    telegram = TelegramSimulator(
        settings.telegram_bot_token, webhook_url=settings.sandbox_telegram_webhook_url,
        webhook_secret=settings.telegram_webhook_secret, global_limit=settings.sandbox_telegram_global_limit,
        chat_limit=settings.sandbox_telegram_chat_limit,
        webhook_retry_delays=tuple(delay * retry_scale for delay in DEFAULT_RETRY_DELAYS),
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await retell.close()
        await dynopay.close()
        await telegram.close()

    app = FastAPI(title="speechcue-sandbox", docs_url=None, redoc_url=None, lifespan=lifespan)
    add_retell_routes(app, retell)
    add_dynopay_routes(app, dynopay)
    add_telegram_routes(app, telegram, latency_seconds=settings.sandbox_telegram_latency_ms / 1000)
    app.state.telegram = telegram

    chat_page = (Path(__file__).resolve().parent / "chat.html").read_text()

    @app.get("/", include_in_schema=False)
    @app.get("/chat", include_in_schema=False)
    async def browser_chat() -> HTMLResponse:
        """The browser chat: Telegram-like, onto the Telegram simulator, with the callees' panel."""
        return HTMLResponse(chat_page)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return Sandbox(app, retell, dynopay, telegram)
