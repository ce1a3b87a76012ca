"""The sandbox served in the test's event loop, with a webhook receiver that records what the
Retell simulator sends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request

from devstack.ports import free_port
from services.runtime.service_main import start_http_server
from services.sandbox.app import create_sandbox_app
from services.sandbox.retell_simulator import RetellSimulator
from services.sandbox.settings import SandboxSettings

RETELL_KEY = "key_sandbox_test_0123456789"


@dataclass
class Receiver:
    url: str
    received: list[tuple[str, dict[str, Any], str]] = field(default_factory=list)  # (raw body, json, signature)


@dataclass
class SandboxHarness:
    base_url: str
    retell: RetellSimulator
    receiver: Receiver
    client: httpx.AsyncClient

    async def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.client.request(method, path, headers={"Authorization": f"Bearer {RETELL_KEY}"}, **kwargs)


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxHarness]:
    receiver_app = FastAPI()
    receiver = Receiver(url="")

    @receiver_app.post("/hook")
    async def hook(request: Request) -> dict[str, str]:
        raw = (await request.body()).decode()
        receiver.received.append((raw, await request.json(), request.headers.get("x-retell-signature", "")))
        return {"ok": "yes"}

    receiver_port = free_port()
    receiver.url = f"http://127.0.0.1:{receiver_port}/hook"
    settings = SandboxSettings(retell_api_key=RETELL_KEY, sandbox_time_scale=0.01, sandbox_retell_concurrency=3,
                               sandbox_retell_webhook_url=receiver.url, speechcue_http_port=free_port())
    app, retell = create_sandbox_app(settings)
    receiver_server, receiver_task = await start_http_server(receiver_app, "127.0.0.1", receiver_port)
    server, task = await start_http_server(app, "127.0.0.1", settings.speechcue_http_port)
    base = f"http://127.0.0.1:{settings.speechcue_http_port}"
    async with httpx.AsyncClient(base_url=base) as client:
        yield SandboxHarness(base, retell, receiver, client)
    for running in (server, receiver_server):
        running.should_exit = True
    await task
    await receiver_task
