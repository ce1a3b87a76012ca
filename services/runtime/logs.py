"""JSON log lines with the request id of the work in progress, and redaction of secrets.

`configure_logging` is called once by a service's entrypoint; everything else logs through the
standard `logging` module. The request id travels in a context variable, so it follows the
asyncio task that handles a request or an event.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
import uuid

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

# Phone numbers (E.164-ish runs of 8+ digits) keep only their last two digits; bearer tokens vanish.
_PHONE_NUMBER = re.compile(r"\+?\d[\d \-]{6,}\d")
_BEARER = re.compile(r"(?i)bearer\s+[A-Za-z0-9._~+/=-]+")


def redact(text: str) -> str:
    text = _BEARER.sub("Bearer [redacted]", text)
    return _PHONE_NUMBER.sub(lambda match: "…" + match.group(0)[-2:], text)


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in getattr(record, "fields", {}).items():
            entry[key] = redact(str(value)) if isinstance(value, str) else value
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Access logs cost about a quarter of webhook throughput; request metrics replace them.
    logging.getLogger("uvicorn.access").disabled = True
