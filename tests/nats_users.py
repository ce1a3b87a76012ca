"""The tests' NATS as one of the services' users (services/runtime/nats_permissions.py), to check what
that user may and may not do; the refusals NATS sends back are collected."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import nats
import pytest
from nats.aio.client import Client

from services.runtime.event_bus import EventBus, NatsIdentity, without_credentials
from services.runtime.nats_permissions import development_password, inbox_prefix


@dataclass
class Connected:
    """A connection as one user, with every error NATS reported on it (a refused publish or
    subscription does not fail the call that made it: NATS answers with an error later)."""

    client: Client
    errors: list[str] = field(default_factory=list)

    async def refusals(self, expected: int = 1) -> list[str]:
        """The refusals so far, once `expected` of them came (or after a few seconds, whatever came)."""
        for _ in range(100):
            await self.client.flush()
            found = [error for error in self.errors if "permissions violation" in error.lower()]
            if len(found) >= expected:
                return found
            await asyncio.sleep(0.05)
        return found


async def connect_as(nats_url: str, user: str) -> Connected:
    errors: list[str] = []

    async def record(error: Exception) -> None:
        errors.append(str(error))

    client = await nats.connect(without_credentials(nats_url), user=user, password=development_password(user),
                                inbox_prefix=inbox_prefix(user), error_cb=record, allow_reconnect=False)
    return Connected(client, errors)


def service_bus(nats_url: str, user: str, *, stream_replicas: int = 1) -> EventBus:
    """An EventBus connected the way the service `user` connects."""
    return EventBus(nats_url, name=f"test-{user}", identity=NatsIdentity(user, development_password(user)),
                    stream_replicas=stream_replicas)


async def require_speechcue_users(nats_url: str) -> None:
    """Skips when the tests were given a NATS of their own (SPEECHCUE_TEST_NATS_URL) that lets anyone in."""
    try:
        client = await nats.connect(without_credentials(nats_url), allow_reconnect=False, max_reconnect_attempts=0)
    except Exception:
        return
    await client.close()
    pytest.skip("this NATS accepts connections without a user: it is not configured by devstack/nats.py")
