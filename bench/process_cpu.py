"""CPU time spent by groups of processes, read from /proc: what each part of a benchmark (the service,
PostgreSQL, NATS, the client) spent during a window, for "where the time goes" next to a rate.

A group is named by root process ids; it counts each root and all its descendants alive at the time
of reading (their own user and system time) and every descendant already reaped (the time the kernel
adds to its parent's children's time on wait()): PostgreSQL's backends come and go, and a backend
that exited inside the window is still counted by the postmaster."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")


@dataclass(frozen=True)
class _Process:
    parent: int
    ticks: int  # utime + stime + cutime + cstime


def _read(pid: int) -> _Process | None:
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None  # gone between the listing and the read
    # The command name sits in parentheses and may contain spaces; the fields after it are fixed.
    fields = text[text.rindex(")") + 2:].split()
    # fields[0] is the state (field 3 of proc(5)); ppid is field 4, utime..cstime fields 14-17.
    return _Process(parent=int(fields[1]), ticks=sum(int(value) for value in fields[11:15]))


def _processes() -> dict[int, _Process]:
    found = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (process := _read(int(entry.name))) is not None:
            found[int(entry.name)] = process
    return found


def cpu_seconds(groups: Mapping[str, list[int]]) -> dict[str, float]:
    """Each group's CPU seconds so far (cumulative: subtract two readings for a window)."""
    processes = _processes()
    children: dict[int, list[int]] = {}
    for pid, process in processes.items():
        children.setdefault(process.parent, []).append(pid)
    totals = {}
    for name, roots in groups.items():
        ticks, seen, stack = 0, set(), [pid for pid in roots if pid in processes]
        while stack:
            pid = stack.pop()
            if pid in seen:
                continue
            seen.add(pid)
            ticks += processes[pid].ticks
            stack.extend(children.get(pid, ()))
        totals[name] = ticks / CLOCK_TICKS
    return totals


def spent(before: Mapping[str, float], after: Mapping[str, float]) -> dict[str, float]:
    return {name: after[name] - before.get(name, 0.0) for name in after}
