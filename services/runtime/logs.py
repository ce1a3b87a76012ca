"""JSON log lines with the trace id of the work in progress, and redaction of secrets.

`configure_logging` is called once by a service's entrypoint; everything else logs through the
standard `logging` module. The trace id (services/runtime/tracing.py) travels in a context
variable, so it follows the asyncio task that handles an update, a call or an event; every line
written under one carries it as `trace_id`.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Iterable, Mapping
from urllib.parse import quote

from services.runtime.tracing import LOG_FIELD, trace_id_var

# Phone numbers (E.164-ish runs of 8+ digits, standing on their own: a run inside an id such as
# "dp_6c6bf6985dad41479710" is part of that id) keep only their last two digits; bearer tokens and
# the passwords of URLs vanish. The service's own secrets (a library logging a request URL with the
# bot token in it, or the parameters of setWebhook) vanish by value, whatever the text around them.
_PHONE_NUMBER = re.compile(r"(?<![0-9A-Za-z])\+?\d[\d \-]{6,}\d(?![0-9A-Za-z])")
_BEARER = re.compile(r"(?i)bearer\s+[A-Za-z0-9._~+/=-]+")
_URL_PASSWORD = re.compile(r"(?<=://)([^/\s:@]+):[^/\s@]+@")
_SECRET_FIELD = re.compile(r"(token|secret|key|password)$")
_SHORTEST_SECRET = 6
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def secret_values(settings: Mapping[str, object]) -> list[str]:
    """The values of the settings named like secrets (…_token, …_secret, …_key, …_password)."""
    return [value for name, value in settings.items()
            if _SECRET_FIELD.search(name) and isinstance(value, str) and len(value) >= _SHORTEST_SECRET]


def _secrets_pattern(secrets: Iterable[str]) -> re.Pattern[str] | None:
    """One pattern for the secrets as written and as a URL writes them (the bot token's ':' as %3A)."""
    chosen = [secret for secret in secrets if len(secret) >= _SHORTEST_SECRET]
    wanted = sorted({*chosen, *(quote(secret, safe="") for secret in chosen)}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, wanted))) if wanted else None


def redact(text: str, secrets: re.Pattern[str] | None = None) -> str:
    if secrets is not None:
        text = secrets.sub("[redacted]", text)
    text = _BEARER.sub("Bearer [redacted]", text)
    text = _URL_PASSWORD.sub(r"\1:[redacted]@", text)
    return _PHONE_NUMBER.sub(lambda match: "…" + match.group(0)[-2:], text)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.service = service
        self.secrets = _secrets_pattern(secrets)

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": redact(record.getMessage(), self.secrets),
        }
        trace_id = trace_id_var.get()
        if trace_id:
            entry[LOG_FIELD] = trace_id
        for key, value in getattr(record, "fields", {}).items():
            # An id of ours (a UUID) is kept whole: a run of its digits is no phone number.
            opaque = isinstance(value, str) and _UUID.fullmatch(value) is not None
            entry[key] = redact(value, self.secrets) if isinstance(value, str) and not opaque else value
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info), self.secrets)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(service: str, level: str = "INFO", secrets: Iterable[str] = ()) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service, secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Access logs cost about a quarter of webhook throughput; request metrics replace them.
    logging.getLogger("uvicorn.access").disabled = True
