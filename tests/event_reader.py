"""Reading what a service published: every event on a stream's subject, via an ephemeral consumer."""

from __future__ import annotations

import nats
from nats.js.errors import NotFoundError

from speechcue.events.v1 import envelope_pb2


async def read_events(nats_url: str, stream: str, subject: str) -> list[envelope_pb2.Envelope]:
    client = await nats.connect(nats_url)
    try:
        subscription = await client.jetstream().pull_subscribe(subject, stream=stream)
        envelopes = []
        while True:
            try:
                batch = await subscription.fetch(1000, timeout=0.5)
            except (TimeoutError, nats.errors.TimeoutError):
                return envelopes
            for message in batch:
                envelopes.append(envelope_pb2.Envelope.FromString(message.data))
                await message.ack()
    finally:
        await client.close()


async def delete_stream(nats_url: str, stream: str) -> None:
    client = await nats.connect(nats_url)
    try:
        await client.jetstream().delete_stream(stream)
    except NotFoundError:
        pass
    finally:
        await client.close()
