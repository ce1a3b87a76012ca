"""What bench/faults.py and bench/soak.py report about a run at two replicas: the load's retries and
failures in a span of time, and the warnings and errors the services logged since a mark."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import cast

from bench.replica_faults import ClientFigures, ServiceLogs, describe_logs
from devstack.local_platform import LocalPlatform
from devstack.mixed_load import Operation


def test_a_retried_operation_counts_once_as_retried_and_each_failed_attempt_by_its_status() -> None:
    operations = [
        Operation("call", started=9.0, failures=["UNAVAILABLE"]),  # before the span
        Operation("call", started=10.0, attempts=3, failures=["UNAVAILABLE", "UNAVAILABLE"]),
        Operation("call", started=11.0, attempts=1),
        Operation("bot_update", started=12.0, attempts=2, failures=["webhook HTTP no answer"]),
        Operation("topup", started=13.0, attempts=2, failures=["DEADLINE_EXCEEDED"], error="UNAVAILABLE: gone"),
        Operation("call", started=14.0, busy_refusals=2),
    ]

    figures = ClientFigures.of(operations, since=10.0)

    assert figures.operations == {"call": 3, "bot_update": 1, "topup": 1}
    assert figures.retried == {"call": 1, "bot_update": 1, "topup": 1}
    assert figures.failed_attempts == {"UNAVAILABLE": 2, "webhook HTTP no answer": 1, "DEADLINE_EXCEEDED": 1}
    assert figures.busy_refusals == 2
    assert figures.errors == ["topup: UNAVAILABLE: gone"]
    assert "UNAVAILABLE ×2" in str(figures) and "failed for good: 1" in str(figures)


def test_only_warnings_and_errors_written_after_the_mark_are_counted(tmp_path: Path) -> None:
    def line(level: str, message: str) -> str:
        return json.dumps({"level": level, "service": "calls", "msg": message}) + "\n"

    log = tmp_path / "calls-2.log"
    log.write_text(line("error", "before the mark"))
    logs = ServiceLogs(cast(LocalPlatform, SimpleNamespace(logs=tmp_path)))
    logs.mark()
    with open(log, "a") as appending:
        appending.write(line("info", "placed call 17"))
        appending.write(line("warning", "wallet unreachable, attempt 1"))
        appending.write(line("warning", "wallet unreachable, attempt 2"))
        appending.write("not json\n")
    (tmp_path / "bot.log").write_text(line("error", "a new process's log"))

    found = logs.since_mark()

    assert found == {("calls-2", "warning", "wallet unreachable, attempt …"): 2,
                     ("bot", "error", "a new process's log"): 1}
    assert "1 error" in describe_logs(found) and "2 warning" in describe_logs(found)
    assert describe_logs(logs.since_mark().__class__()) == "   services logged no warning or error"
