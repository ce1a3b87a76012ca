"""Reading what a service published: every event on a stream's subject, via an ephemeral consumer."""

from __future__ import annotations

import nats
from nats.js.errors import NotFoundError

from devstack.stream_reader import read_stream_events
from speechcue.events.v1 import envelope_pb2


async def read_events(nats_url: str, stream: str, subject: str) -> list[envelope_pb2.Envelope]:
    client = await nats.connect(nats_url)
    try:
        return await read_stream_events(client, stream, subject)
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
