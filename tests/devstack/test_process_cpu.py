"""bench/process_cpu.py: a group's CPU is its processes' and all their descendants', living or reaped,
read from /proc whatever the processes are called."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench import process_cpu
from bench.process_cpu import cpu_seconds, spent

TICKS = process_cpu.CLOCK_TICKS


def fake_stat(proc: Path, pid: int, name: str, parent: int, utime: int, stime: int, cutime: int = 0,
              cstime: int = 0) -> None:
    # proc(5): pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
    # utime stime cutime cstime priority ...
    (proc / str(pid)).mkdir()
    (proc / str(pid) / "stat").write_text(
        f"{pid} ({name}) S {parent} {pid} {pid} 0 -1 4194560 100 0 0 0 {utime} {stime} {cutime} {cstime} "
        "20 0 1 0 100 1000 10\n")


def test_a_group_counts_its_descendants_and_their_reaped_children_and_nothing_else(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_stat(tmp_path, 10, "postgres", 1, utime=5, stime=5, cutime=30, cstime=10)  # reaped backends: 40
    fake_stat(tmp_path, 11, "postgres: calls (idle) ) x", 10, utime=100, stime=20)  # a name with ") "
    fake_stat(tmp_path, 12, "postgres: walwriter", 11, utime=3, stime=0)
    fake_stat(tmp_path, 20, "python -m services.calls", 1, utime=200, stime=50)
    fake_stat(tmp_path, 21, "unrelated", 1, utime=999, stime=999)
    (tmp_path / "self").mkdir()  # not a pid: skipped
    monkeypatch.setattr(process_cpu, "PROC", tmp_path)
    totals = cpu_seconds({"PostgreSQL": [10], "calls": [20], "gone": [99]})
    assert totals == {"PostgreSQL": pytest.approx(173 / TICKS), "calls": pytest.approx(250 / TICKS), "gone": 0.0}


def test_a_child_that_burnt_cpu_and_exited_still_counts_for_its_parents_group() -> None:
    burn = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\n"
    parent = subprocess.Popen(
        [sys.executable, "-c",
         "import subprocess, sys\n"
         "sys.stdin.readline()\n"  # starts burning only once the first reading is taken
         f"subprocess.run([sys.executable, '-c', {burn!r}], check=True)\n"
         "print('reaped', flush=True)\n"
         "sys.stdin.read()\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdin is not None and parent.stdout is not None
        before = cpu_seconds({"parent": [parent.pid]})
        parent.stdin.write("go\n")
        parent.stdin.flush()
        assert parent.stdout.readline().strip() == "reaped"
        used = spent(before, cpu_seconds({"parent": [parent.pid]}))
        assert used["parent"] >= 0.3 - 2 / TICKS  # the grandchild's burn, whatever the machine's load
    finally:
        parent.communicate("")
