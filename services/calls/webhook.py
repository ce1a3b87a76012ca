"""`POST /webhooks/retell`: Retell's call events, verified, de-duplicated and applied.

Bad signature or a timestamp outside five minutes → 401; malformed body → 400; oversized → 413
(the HTTP app's limit); an unknown event → 200 and ignored; a signed event whose metadata names one
of our calls that is not its call (that call has another Retell id, or another customer:
call_end.belongs_to) → 200, `mismatched_call`, counted. None of them changes anything. The answer
goes back as soon as the event is committed; the money moves afterwards. `call_ended`, the
one every call sends, is committed together with the others arriving at the same moment
(services/calls/ended_calls.py); the rarer events one at a time.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import datetime

from starlette.datastructures import Headers

from services.calls import metrics
from services.calls.call_updates import ACCEPTED, DUPLICATE, IGNORED, MISMATCHED_CALL, UNKNOWN_CALL, apply_retell_event
from services.calls.ended_calls import EndedCall, EndedCalls
from services.calls.events import CallsEvents
from services.calls.retell_events import read_webhook, signature_is_valid
from services.calls.retell_webhook_schema import OPENAPI_EXTRA
from services.calls.webhook_redaction import without_key_presses
from services.runtime.database import Database
from services.runtime.http_app import ServiceApp, add_fast_post
from services.runtime.tracing import trace_id_of, traced
from services.runtime.webhook_json import parse_json, storable_json

log = logging.getLogger(__name__)

_ANSWERS = {outcome: json.dumps({"status": outcome}).encode()
            for outcome in (ACCEPTED, DUPLICATE, IGNORED, UNKNOWN_CALL, MISMATCHED_CALL)}
_BAD_SIGNATURE = json.dumps({"error": "bad or stale signature"}).encode()


def add_retell_webhook(app: ServiceApp, *, database: Database, events: CallsEvents, ended_calls: EndedCalls,
                       api_key: str, clock: Callable[[], datetime]) -> None:
    async def retell_webhook(raw: bytes, headers: Headers) -> tuple[int, bytes]:
        """Receives one signed Retell call event."""
        signature = headers.get("x-retell-signature", "")
        if not signature_is_valid(raw, signature, api_key, int(time.time() * 1000)):
            metrics.webhooks_total.labels("bad_signature").inc()
            return 401, _BAD_SIGNATURE
        try:
            payload = parse_json(raw)
            facts = read_webhook(payload)
        except ValueError as error:  # MalformedWebhook is one, and so is every refusal of parse_json
            metrics.webhooks_total.labels("malformed").inc()
            return 400, json.dumps({"error": f"malformed body: {error}"[:200]}).encode()
        # Every event of one call is traced by that call's id (ours, an opaque UUID: placing.py), so an
        # operator follows the call's webhooks, and the events they cause, by the id they already have.
        with traced(trace_id_of(facts.our_call_id)):
            try:
                if facts.event == "call_ended":
                    # Kept without the key presses: the call row holds them, until the retention (retention.py).
                    body = without_key_presses(storable_json(raw, payload))
                    outcome = await ended_calls.record(EndedCall(facts, body, clock()))
                else:
                    async with database.unit_of_work() as uow:
                        outcome = await apply_retell_event(uow, events, facts, payload, now=clock())
                        await uow.commit()
            except Exception:
                # Logged here, under the call's trace: a failed batch is logged once, for many calls.
                log.warning("retell %s not recorded; Retell delivers it again", facts.event, exc_info=True)
                raise
            log.debug("retell %s: %s", facts.event, outcome)
        metrics.webhooks_total.labels(outcome).inc()
        # The few answers there are, encoded once: this runs for every call that ends.
        return 200, _ANSWERS.get(outcome) or json.dumps({"status": outcome}).encode()

    # Below FastAPI's routing (http_app.FastPosts): every call ends with this webhook.
    add_fast_post(app, "/webhooks/retell", retell_webhook, openapi_extra=OPENAPI_EXTRA)
