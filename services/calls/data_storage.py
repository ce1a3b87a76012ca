"""What Retell may keep of a call: everything for a recorded call, no recording for the others.

Retell stores each call's transcript, recording and logs unless told otherwise: an agent's
`data_storage_setting` defaults to "everything" (retell-sdk 6.x, agent_create_params), so a call the
customer placed without recording was recorded at Retell all the same, its link shown here. The
setting is also an agent field of create-phone-call's `agent_override`, "Any properties specified
here will override the base agent configuration for this call", so each call asks for its own:

- `record` → "everything" (the agent's default, stated so it does not depend on the agent);
- no `record` → "basic_attributes_only": "No transcripts/recordings/logs are stored; if you query
  the call with the get call API later, you will not get these fields". Retell's webhooks still carry
  them (docs.retellai.com/accounts/privacy-disable: the recording link then expires after 10
  minutes), so the calls service shows no recording of such a call whatever a webhook says
  (messages.call_message), and the recovery tick, reading get-call, finds no key presses for it.

"everything_except_pii" is not an answer: it keeps the recording, only scrubbed of PII.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class DataStorage(StrEnum):
    """Retell's data_storage_setting values (agent_create_params, call agent_override)."""

    EVERYTHING = "everything"
    EVERYTHING_EXCEPT_PII = "everything_except_pii"
    BASIC_ATTRIBUTES_ONLY = "basic_attributes_only"


def data_storage_for(*, record: bool) -> DataStorage:
    """record → EVERYTHING; not → BASIC_ATTRIBUTES_ONLY (no recording kept at Retell)."""
    return DataStorage.EVERYTHING if record else DataStorage.BASIC_ATTRIBUTES_ONLY


def call_agent_override(*, max_minutes: int, record: bool) -> dict[str, Any]:
    """create-phone-call's `agent_override`: this call's length cap (at least a minute) and storage.

    max_minutes 0 → 60 000 ms; 3 → 180 000 ms."""
    return {"agent": {"max_call_duration_ms": max(max_minutes, 1) * 60_000,
                      "data_storage_setting": str(data_storage_for(record=record))}}
