"""Reading back what a service published: every event on a subject of its stream, through an
ephemeral consumer of the reader's own, so that the services' durable consumers are untouched.
Shared by the platform's checks (devstack/mixed_load.py) and the tests (tests/event_reader.py)."""

from __future__ import annotations

from typing import Any

import nats
from nats.js.api import ConsumerConfig, DeliverPolicy

from speechcue.events.v1 import envelope_pb2

# An ephemeral consumer left behind by a reader that died is removed by the server after this long.
INACTIVE_CONSUMER_SECONDS = 60


async def read_stream_events(client: Any, stream: str, subject: str) -> list[envelope_pb2.Envelope]:
    """Every event on `subject` in `stream`, oldest first, read until a fetch finds nothing more."""
    subscription = await client.jetstream().pull_subscribe(
        subject, stream=stream,
        config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL, inactive_threshold=INACTIVE_CONSUMER_SECONDS))
    envelopes: list[envelope_pb2.Envelope] = []
    try:
        while True:
            try:
                batch = await subscription.fetch(500, timeout=0.5)
            except (TimeoutError, nats.errors.TimeoutError):
                return envelopes
            for message in batch:
                envelopes.append(envelope_pb2.Envelope.FromString(message.data))
                await message.ack()
    finally:
        await subscription.unsubscribe()
