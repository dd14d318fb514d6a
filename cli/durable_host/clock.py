"""Orchestration time for a host whose durable timers can be scaled down (or fired at once)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class VirtualClock:
    """Wall-clock UTC plus an offset that jumps forward when a scaled timer fires early.

    With `time_scale` 0.001 a one-hour timer fires after 3.6 real seconds; when it does, the
    clock moves to the timer's due time so `context.current_utc_datetime` reads as if the hour
    had passed. The offset only grows, so orchestration time never runs backwards.
    """

    def __init__(self, offset_seconds: float = 0.0) -> None:
        self._offset = timedelta(seconds=offset_seconds)
        self._lock = threading.Lock()

    @property
    def offset_seconds(self) -> float:
        """Seconds the clock runs ahead of the wall clock (persisted across restarts)."""
        return self._offset.total_seconds()

    def now(self) -> datetime:
        """The current orchestration time (aware UTC)."""
        with self._lock:
            return datetime.now(UTC) + self._offset

    def advance_to(self, moment: datetime) -> bool:
        """Move forward to `moment` if it lies ahead; returns whether the clock moved."""
        with self._lock:
            ahead = moment - (datetime.now(UTC) + self._offset)
            if ahead <= timedelta(0):
                return False
            self._offset += ahead
            return True
