"""The services' log lines in a test, as the JSON formatter writes them, read back: for the tests
that follow work through the services by its trace id (services/runtime/tracing.py)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from services.runtime.logs import JsonFormatter


class LogLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter("test"))
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))

    def traced(self, trace_id: str) -> list[dict[str, Any]]:
        return [line for line in self.lines if line.get("trace_id") == trace_id]

    async def wait_for(self, **wanted: str) -> dict[str, Any]:
        """The first line whose fields contain these texts, waiting up to 15 s for it."""
        for _ in range(300):
            for line in self.lines:
                if all(wanted[key] in str(line.get(key, "")) for key in wanted):
                    return line
            await asyncio.sleep(0.05)
        raise AssertionError(f"no log line with {wanted}")


@pytest.fixture
def log_lines() -> Iterator[LogLines]:
    """Every line the services log (at DEBUG) during the test."""
    lines = LogLines()
    services = logging.getLogger("services")
    level = services.level
    services.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(lines)
    try:
        yield lines
    finally:
        logging.getLogger().removeHandler(lines)
        services.setLevel(level)
