"""Time as Coach stores and shows it: one UTC rule, one call-length clock, one transcript stamp.

SQLite hands back naive datetimes for columns written as UTC, PostgreSQL aware ones; every
comparison and every displayed time goes through `utc` so both read the same. No Reflex here.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime


def utc(dt: datetime | None) -> datetime | None:
    """`dt` as an aware UTC datetime (a naive one is taken to be UTC already); None stays None."""
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def when_text(dt: datetime | None) -> str:
    """2026-01-01 09:00 (UTC), "-" for unknown."""
    dt = utc(dt)
    return dt.strftime("%Y-%m-%d %H:%M") if dt else "-"


def duration_text(seconds: float | None) -> str:
    """4:05 for 245 s, 1:02:03 for an hour and more, "-" for unknown."""
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "-"
    s = max(0, int(round(seconds)))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def stamp(seconds: float) -> str:
    """A turn's place in the call, 01:05 (minutes always two digits), as the transcript and judge show it."""
    s = max(0, int(seconds))
    return f"{s // 60:02d}:{s % 60:02d}"
