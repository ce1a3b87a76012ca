"""The whole platform as `./dev up` runs it (every service its own process, on ports of its own so a
`./dev up` beside the tests does not matter), driven only through its outside doors: the Telegram
simulator's person controls, the Retell and DynoPay simulators' controls, and the CronJob
entrypoint. A wait that runs out says which flow it was in and which parts of the platform were down."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from devstack.local_platform import LocalPlatform, on_free_ports
from devstack.platform import LocalPorts, sandbox_url

# Below the ephemeral range, and apart from ./dev up's.
E2E_PORTS = LocalPorts(postgres=21329, nats=21222, http_base=21000, grpc_base=21050)


@pytest.fixture(scope="session")
def platform() -> Iterator[LocalPlatform]:
    with tempfile.TemporaryDirectory(prefix="speechcue-e2e-") as folder:
        running = on_free_ports(Path(folder), E2E_PORTS, ticker=False,
                                overrides={"sandbox": {"SANDBOX_TIME_SCALE": "0.05"}})
        try:
            running.start()
            yield running
        finally:
            running.stop()


def platform_state(platform: LocalPlatform) -> str:
    """Which parts answer their health check: the reason a flow stalled is usually one of them."""
    states = []
    for service in platform.services:
        path = "healthz"
        try:
            healthy = httpx.get(f"http://127.0.0.1:{service.http_port}/{path}", timeout=1.0).status_code == 200
        except httpx.HTTPError:
            healthy = False
        states.append(f"{service.name} {'up' if healthy and platform.running(service.name) else 'DOWN'}")
    return ", ".join(states)


@dataclass
class Chat:
    """One Telegram user, through the simulator's controls only."""

    platform: LocalPlatform
    http: httpx.AsyncClient
    user_id: int
    flow: str
    language: str = "en"
    pressed: set[tuple[int, str]] = field(default_factory=set)

    async def messages(self) -> list[dict[str, Any]]:
        answer = await self.http.get(f"/sandbox/telegram/chats/{self.user_id}")
        return list(answer.json().get("messages", [])) if answer.status_code == 200 else []

    async def say(self, text: str) -> None:
        answer = await self.http.post(f"/sandbox/telegram/users/{self.user_id}/messages",
                                      json={"text": text, "first_name": "E2E", "language_code": self.language})
        self._check(answer, f"sending {text!r}")

    async def upload(self, content: bytes, name: str) -> None:
        import base64

        answer = await self.http.post(f"/sandbox/telegram/users/{self.user_id}/documents", json={
            "content_base64": base64.b64encode(content).decode(), "file_name": name, "mime_type": "text/csv"})
        self._check(answer, f"uploading {name}")

    def _check(self, answer: httpx.Response, doing: str) -> None:
        delivered = answer.status_code == 200 and answer.json().get("delivered")
        if not delivered:
            state = platform_state(self.platform)
            raise AssertionError(f"[{self.flow}] {doing}: the bot did not take the update "
                                 f"({answer.status_code} {answer.text[:200]}); platform: {state}")

    async def wait_for(self, fragment: str, *, within: float = 30.0) -> dict[str, Any]:
        deadline = asyncio.get_running_loop().time() + within
        while True:
            for message in reversed(await self.messages()):
                if fragment in text_of(message):
                    return message
            if asyncio.get_running_loop().time() > deadline:
                tail = [text_of(m)[:100] for m in (await self.messages())[-4:]]
                raise AssertionError(f"[{self.flow}] waited {within:.0f} s for {fragment!r}; the chat ends with "
                                     f"{tail}; platform: {platform_state(self.platform)}")
            await asyncio.sleep(0.1)

    async def newest_message_id(self) -> int:
        return max((int(message["message_id"]) for message in await self.messages()), default=0)

    async def press(self, label: str, *, within: float = 30.0, since: int = 0) -> None:
        """Presses the newest button whose label holds `label`, on a message numbered `since` or later
        (a wizard's older messages keep buttons with the same labels, and those now belong to a draft
        that is gone)."""
        deadline = asyncio.get_running_loop().time() + within
        while True:
            for message in reversed([m for m in await self.messages() if int(m["message_id"]) >= since]):
                for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                    for button in row:
                        if label in button.get("text", "") and "callback_data" in button:
                            answer = await self.http.post(f"/sandbox/telegram/users/{self.user_id}/press", json={
                                "message_id": message["message_id"], "callback_data": button["callback_data"]})
                            self._check(answer, f"pressing {label!r}")
                            return
            if asyncio.get_running_loop().time() > deadline:
                tail = [text_of(m)[:160] for m in (await self.messages())[-3:]]
                raise AssertionError(f"[{self.flow}] no button {label!r} appeared in {within:.0f} s; the chat ends "
                                     f"with {tail}; platform: {platform_state(self.platform)}")
            await asyncio.sleep(0.1)

    async def onboard(self, name: str) -> None:
        await self.say("/start")
        await self.press("English")
        await self.wait_for("What is your name")
        await self.say(name)
        await self.press("I accept")
        await self.press("No, thanks")
        await self.wait_for("Main menu")


def text_of(message: dict[str, Any]) -> str:
    labels = [b.get("text", "") for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
              for b in row]
    return "\n".join([message.get("text") or message.get("caption") or "", *labels])


_users = iter(range(6_200_001, 6_300_000))


@pytest.fixture
async def sandbox(platform: LocalPlatform) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sandbox_url(platform.ports), timeout=15.0) as client:
        yield client


@pytest.fixture
def chat(platform: LocalPlatform, sandbox: httpx.AsyncClient, request: pytest.FixtureRequest) -> Chat:
    return Chat(platform, sandbox, next(_users), flow=request.node.name)
