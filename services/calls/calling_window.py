"""The callee's lawful hours: a callee is called only while the local time is inside the window
(08:00–21:00 by default) in every timezone the number may be in. Pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_START = time(8, 0)
DEFAULT_END = time(21, 0)
SEARCH_HORIZON = timedelta(days=3)


def inside_window(moment: datetime, zones: tuple[str, ...], start: time = DEFAULT_START,
                  end: time = DEFAULT_END) -> bool:
    for zone in zones:
        local = moment.astimezone(ZoneInfo(zone)).time()
        if not start <= local < end:
            return False
    return True


def next_allowed(moment: datetime, zones: tuple[str, ...], start: time = DEFAULT_START,
                 end: time = DEFAULT_END) -> datetime | None:
    """`moment` itself if calling is allowed now; else the first allowed time (to 5 minutes);
    None when no time in the next three days suits every zone at once."""
    if not zones:
        return None
    if inside_window(moment, zones, start, end):
        return moment
    # Candidates are the window openings in each zone; the earliest that suits all zones wins.
    candidates: list[datetime] = []
    for zone in zones:
        local = moment.astimezone(ZoneInfo(zone))
        for day in range(4):
            opening = datetime.combine(local.date() + timedelta(days=day), start, tzinfo=ZoneInfo(zone))
            if opening > moment:
                candidates.append(opening)
    for candidate in sorted(candidates):
        if candidate - moment > SEARCH_HORIZON:
            break
        if inside_window(candidate, zones, start, end):
            return candidate.astimezone(UTC)
    return None
