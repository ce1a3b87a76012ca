"""The image, built and run: Debian's buildah builds the Dockerfile on a Debian base made with
debootstrap; a service runs from it as the chart runs it (read-only root, uid 10001, no capabilities)
and migrates, answers its health checks and serves; then the chart's rendered workloads for every
service run under `podman kube play` against PostgreSQL and NATS from the project's wheels, and a
Telegram user onboards through the bot: its answers, the bot's RPCs to the wallet, and the wallet's
event back through NATS (each service as its own NATS user) as the bot's message.

Slow (a build and a platform in containers: a few minutes), so SPEECHCUE_SKIP_IMAGE_TEST=1 skips it
for quick local runs; CI runs it. Needs root (buildah, podman, debootstrap; `./dev test` installs them)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import asyncpg
import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from devstack.nats import EmbeddedNats
from devstack.ports import free_port
from devstack.postgres import EmbeddedPostgres
from tests.deploy.image_host import TEST_IMAGE, ContainerHost, ToolsMissing, hardened_run_arguments
from tests.deploy.kube_play import Ports, playable, render, sandbox_values, secret_data, write_documents

ROOT = Path(__file__).resolve().parents[2]
IMAGE = TEST_IMAGE
SERVICES = ("wallet", "calls", "payments", "bot")

pytestmark = pytest.mark.skipif(os.environ.get("SPEECHCUE_SKIP_IMAGE_TEST", "") not in {"", "0"},
                                reason="SPEECHCUE_SKIP_IMAGE_TEST is set")


@dataclass
class Run:
    """One run's names: its image tag and the prefix of everything it starts."""

    host: ContainerHost
    id: str
    folder: Path

    @property
    def tag(self) -> str:
        return f"test-{self.id}"

    @property
    def image(self) -> str:
        return f"{IMAGE}:{self.tag}"

    def container(self, name: str) -> str:
        return f"speechcue-test-{self.id}-{name}"


@pytest.fixture(scope="module")
def run() -> Iterator[Run]:
    try:
        host = ContainerHost.prepare()
    except ToolsMissing as missing:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(missing))
    folder = Path(tempfile.mkdtemp(prefix="speechcue-image-test-"))
    this = Run(host, uuid.uuid4().hex[:8], folder)
    host.sweep_leftovers()
    try:
        host.build(ROOT, this.image, host.base_image())
        yield this
    finally:
        _remove_everything_of(this)
        shutil.rmtree(folder, ignore_errors=True)


def _remove_everything_of(this: Run) -> None:
    host = this.host
    pods = host.podman("pod", "ps", "--filter", f"name={this.id}", "--format", "{{.Name}}", check=False)
    for pod in pods.stdout.split():
        host.podman("pod", "rm", "--force", pod, check=False)
    containers = host.podman("ps", "--all", "--filter", f"name={this.id}", "--format", "{{.Names}}", check=False)
    for container in containers.stdout.split():
        host.podman("rm", "--force", container, check=False)
    secrets = host.podman("secret", "ls", "--format", "{{.Name}}", check=False)
    for secret in secrets.stdout.split():
        if secret.endswith(this.id):
            host.podman("secret", "rm", secret, check=False)
    host.remove_image(this.image)


@dataclass
class Backing:
    postgres: EmbeddedPostgres
    nats_url: str


@pytest.fixture(scope="module")
def backing(run: Run) -> Iterator[Backing]:
    postgres = EmbeddedPostgres(run.folder / "postgres", durable=False)
    nats = EmbeddedNats(run.folder / "nats")
    postgres.start()
    try:
        nats.start()
        # Without the tools' credentials: each service connects as its own NATS user, as in a cluster.
        yield Backing(postgres, f"nats://127.0.0.1:{nats.port}")
    finally:
        nats.stop()
        postgres.stop()


async def _tables(database_url: str) -> set[str]:
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    finally:
        await connection.close()
    return {row["tablename"] for row in rows}


async def _rows(database_url: str, query: str) -> int:
    connection = await asyncpg.connect(database_url)
    try:
        return int(await connection.fetchval(query))
    finally:
        await connection.close()


async def _grpc_health(port: int, service: str) -> int:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        answer = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=service),
                                                                  timeout=5)
    return int(answer.status)


async def _wait_ready(http_port: int, *, timeout: float, logs: Callable[[], str], path: str = "/readyz") -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    async with httpx.AsyncClient() as client:
        while asyncio.get_running_loop().time() < deadline:
            try:
                if (await client.get(f"http://127.0.0.1:{http_port}{path}")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.5)
    raise AssertionError(f"not ready on :{http_port} within {timeout:.0f} s:\n{logs()}")


async def test_the_wallet_migrates_and_serves_from_the_image_read_only_as_uid_10001(
        run: Run, backing: Backing) -> None:
    database_url = backing.postgres.create_database("wallet_image")
    grpc_port, http_port = free_port(), free_port()
    environment = {"SPEECHCUE_ENV": "test", "SPEECHCUE_DATABASE_URL": database_url,
                   "SPEECHCUE_NATS_URL": backing.nats_url, "SPEECHCUE_INTERNAL_TOKEN": "image-test-token",
                   "SPEECHCUE_GRPC_PORT": str(grpc_port), "SPEECHCUE_HTTP_PORT": str(http_port)}
    variables = [argument for name, value in environment.items() for argument in ("--env", f"{name}={value}")]

    migrated = run.host.podman("run", "--rm", "--name", run.container("wallet-migrate"), *hardened_run_arguments(),
                               *variables, run.image, "services.wallet", "migrate", check=False)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert {"alembic_version", "accounts"} <= await _tables(database_url)

    name = run.container("wallet")
    run.host.podman("run", "--detach", "--name", name, *hardened_run_arguments(), *variables, run.image)
    try:
        await _check_the_running_wallet(run, name, grpc_port, http_port)
    finally:
        run.host.podman("rm", "--force", name, check=False)


async def _check_the_running_wallet(run: Run, name: str, grpc_port: int, http_port: int) -> None:
    await _wait_ready(http_port, timeout=90, logs=lambda: run.host.podman("logs", name, check=False).stderr[-3000:])
    async with httpx.AsyncClient() as client:
        assert (await client.get(f"http://127.0.0.1:{http_port}/healthz")).status_code == 200
    assert await _grpc_health(grpc_port, "readiness") == health_pb2.HealthCheckResponse.SERVING

    def inside(*command: str) -> str:
        result = run.host.podman("exec", name, *command, check=False)
        return (result.stdout + result.stderr).strip()

    assert inside("id", "-u") == "10001"
    assert "Read-only file system" in inside("touch", "/app/written")
    assert "CapEff:\t0000000000000000" in inside("grep", "CapEff", "/proc/self/status")
    [inspected] = json.loads(run.host.podman("inspect", name).stdout)
    assert inspected["HostConfig"]["ReadonlyRootfs"] is True


@pytest.fixture(scope="module")
async def platform(run: Run, backing: Backing) -> AsyncIterator[Ports]:
    """The chart's rendered workloads for every service, played by podman after its migrations."""
    ports = Ports(grpc={name: free_port() for name in SERVICES},
                  http={name: free_port() for name in (*SERVICES, "sandbox")})
    database_urls = {name: backing.postgres.create_database(f"{name}_chart") for name in SERVICES}
    manifests = render(sandbox_values(image=IMAGE, tag=run.tag, ports=ports, nats_url=backing.nats_url,
                                      database_urls=database_urls))
    migrations, workloads, secret = playable(manifests, run=run.id)
    # podman 4.3 reads a secretKeyRef's secret as a JSON object of base64 values: the Secret's `data`.
    secret_file = run.folder / "secret.json"
    secret_file.write_text(json.dumps(secret_data(secret)))
    run.host.podman("secret", "create", secret["metadata"]["name"], str(secret_file))

    for pod in migrations:
        played = write_documents(run.folder / f"{pod['metadata']['name']}.yaml", [pod])
        run.host.podman("kube", "play", "--network", "host", str(played))
        pod_name = pod["metadata"]["name"]
        last = f"{pod_name}-{pod['spec']['containers'][-1]['name']}"
        exit_code = run.host.podman("wait", last, timeout=300).stdout.strip()
        if exit_code != "0":
            logs = "\n".join(run.host.podman("logs", f"{pod_name}-{c['name']}", check=False).stderr[-2000:]
                             for c in [*pod["spec"].get("initContainers", []), *pod["spec"]["containers"]])
            raise AssertionError(f"the migrations pod failed ({exit_code}):\n{logs}")
    for name in SERVICES:
        assert "alembic_version" in await _tables(database_urls[name]), name

    played = write_documents(run.folder / "workloads.yaml", workloads)
    run.host.podman("kube", "play", "--network", "host", str(played))
    for name in (*SERVICES, "sandbox"):
        await _wait_ready(ports.http[name], timeout=120, logs=partial(_pod_logs, run, name),
                          path="/healthz" if name == "sandbox" else "/readyz")
    yield ports


def _pod_logs(run: Run, service: str) -> str:
    containers = run.host.podman("ps", "--all", "--filter", f"name={service}-{run.id}", "--format", "{{.Names}}",
                                 check=False).stdout.split()
    return "\n".join(run.host.podman("logs", container, check=False).stderr[-3000:] for container in containers)


@dataclass
class Person:
    """A Telegram user, through the sandbox's controls only (as tests/e2e does it)."""

    http: httpx.AsyncClient
    user_id: int

    async def messages(self) -> list[dict[str, Any]]:
        answer = await self.http.get(f"/sandbox/telegram/chats/{self.user_id}")
        return list(answer.json().get("messages", [])) if answer.status_code == 200 else []

    async def say(self, text: str) -> None:
        answer = await self.http.post(f"/sandbox/telegram/users/{self.user_id}/messages",
                                      json={"text": text, "first_name": "Ada", "language_code": "en"})
        assert answer.status_code == 200 and answer.json()["delivered"], answer.text

    async def wait_for(self, fragment: str, *, within: float = 60.0) -> None:
        await self._find(lambda message: fragment in _text_of(message), f"a message with {fragment!r}", within)

    async def press(self, label: str, *, within: float = 60.0) -> None:
        def with_button(message: dict[str, Any]) -> bool:
            return any(label in button.get("text", "") for button in _buttons(message))

        message = await self._find(with_button, f"a button {label!r}", within)
        [data] = [button["callback_data"] for button in _buttons(message) if label in button.get("text", "")][:1]
        answer = await self.http.post(f"/sandbox/telegram/users/{self.user_id}/press",
                                      json={"message_id": message["message_id"], "callback_data": data})
        assert answer.status_code == 200 and answer.json()["delivered"], answer.text

    async def _find(self, matches: Callable[[dict[str, Any]], bool], what: str, within: float) -> dict[str, Any]:
        deadline = asyncio.get_running_loop().time() + within
        while True:
            for message in reversed(await self.messages()):
                if matches(message):
                    return message
            if asyncio.get_running_loop().time() > deadline:
                tail = [_text_of(message)[:160] for message in (await self.messages())[-3:]]
                raise AssertionError(f"no {what} within {within:.0f} s; the chat ends with {tail}")
            await asyncio.sleep(0.2)


def _buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [button for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for button in row]


def _text_of(message: dict[str, Any]) -> str:
    return "\n".join([message.get("text") or message.get("caption") or "",
                      *(button.get("text", "") for button in _buttons(message))])


async def test_the_charts_workloads_run_every_service_and_a_telegram_user_gets_a_trial_through_the_bot(
        run: Run, platform: Ports, backing: Backing) -> None:
    for name, port in platform.grpc.items():
        assert await _grpc_health(port, "readiness") == health_pb2.HealthCheckResponse.SERVING, name
    played = run.host.podman("ps", "--filter", f"name=-{run.id}-pod-", "--format", "{{.Names}}").stdout.split()
    assert len(played) == len(SERVICES) + 1, played
    for container in json.loads(run.host.podman("inspect", *played).stdout):
        assert container["HostConfig"]["ReadonlyRootfs"] is True, container["Name"]
        assert container["Config"]["User"].split(":")[0] == "10001", container["Name"]
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{platform.http['sandbox']}", timeout=30) as http:
        ada = Person(http, 7001)
        try:
            await ada.say("/start")
            await ada.press("English")
            await ada.wait_for("What is your name")
            await ada.say("Ada")
            # Accepting the terms opens her wallet: the bot calls the wallet's OpenAccount.
            await ada.press("I accept")
            # The trial: the bot calls the wallet's BuySubscription, and the wallet's event comes back
            # through NATS (each service as its own user) as the bot's message.
            await ada.press("Start the free trial")
            await ada.wait_for("is active until")
        except AssertionError as failure:
            raise AssertionError(f"{failure}\n{_pod_logs(run, 'bot')}\n{_pod_logs(run, 'wallet')}") from None
    opened = "SELECT count(*) FROM accounts WHERE customer_id IS NOT NULL"
    assert await _rows(backing.postgres.database_url("wallet_chart"), opened) == 1
