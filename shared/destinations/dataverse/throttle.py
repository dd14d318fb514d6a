"""Adaptive per-user concurrency: follow `x-ms-dop-hint`, back off on 429, recover after.

Service-protection limits are counted per user, so each application user gets a lane with its own
window. A lane starts small and grows by one per success until the first throttle (slow start),
then by one per full window (additive increase); a 429 halves the window and pauses the lane for
Retry-After. Requests go to the lane with the most free room, so load spreads over all users.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager, suppress

from shared.destinations.dataverse.auth import TokenProvider
from shared.destinations.errors import TransientError

Clock = Callable[[], float]


class UserLane:
    """One application user: its token and its concurrency window."""

    def __init__(self, name: str, tokens: TokenProvider, max_dop: int, clock: Clock) -> None:
        self.name = name
        self.tokens = tokens
        self.ceiling = max_dop
        self._max_dop = max_dop
        self.limit = max(1, min(4, max_dop))
        self.in_flight = 0
        self.paused_until = 0.0
        self.slow_start = True
        self._successes = 0
        self._clock = clock

    def free(self, now: float) -> int:
        """Requests this lane may start now (0 while paused)."""
        return 0 if now < self.paused_until else self.limit - self.in_flight

    def observe_dop_hint(self, hint: int) -> None:
        """The service's recommended parallelism for this user caps the window."""
        self.ceiling = max(1, min(hint, self._max_dop))
        self.limit = min(self.limit, self.ceiling)

    def on_success(self) -> None:
        """Grow the window: +1 per success in slow start, +1 per full window after."""
        self._successes += 1
        if self.slow_start or self._successes >= self.limit:
            self._successes = 0
            self.limit = min(self.ceiling, self.limit + 1)

    def on_throttle(self, retry_after: float | None) -> None:
        """Halve the window and pause the lane until the service said to come back."""
        self.slow_start = False
        self._successes = 0
        self.limit = max(1, self.limit // 2)
        pause = retry_after if retry_after is not None else 1.0
        self.paused_until = max(self.paused_until, self._clock() + pause)


class LanePool:
    """Hands out lanes to requests; raises `TransientError` when every lane waits too long.

    Waiters queue in arrival order and a release wakes only as many as there are free slots
    (waking every waiter on each release costs O(waiters^2) with hundreds queued).
    """

    def __init__(self, lanes: Sequence[UserLane], clock: Clock = time.monotonic) -> None:
        if not lanes:
            raise ValueError("at least one application user is needed")
        self.lanes = list(lanes)
        self._clock = clock
        self._waiters: deque[asyncio.Future[None]] = deque()

    @asynccontextmanager
    async def lane(self, max_wait: float) -> AsyncIterator[UserLane]:
        """Borrow the lane with the most free room, waiting at most `max_wait` seconds."""
        lane = await self._take(max_wait)
        try:
            yield lane
        finally:
            lane.in_flight -= 1
            self._wake()

    async def _take(self, max_wait: float) -> UserLane:
        give_up_at = self._clock() + max_wait
        while True:
            now = self._clock()
            best = max(self.lanes, key=lambda lane: lane.free(now))
            if best.free(now) > 0:
                best.in_flight += 1
                return best
            resume_at = min(
                (lane.paused_until for lane in self.lanes if lane.paused_until > now),
                default=None,
            )
            if resume_at is not None and resume_at > give_up_at:
                raise TransientError(
                    "throttled", destination="dataverse", retry_after=resume_at - now
                )
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            timeout = (resume_at - now) if resume_at is not None else None
            with suppress(TimeoutError):
                await asyncio.wait_for(waiter, timeout)

    def _wake(self) -> None:
        now = self._clock()
        free = sum(max(0, lane.free(now)) for lane in self.lanes)
        while free > 0 and self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                free -= 1

    async def notify(self) -> None:
        """Wake waiters after a lane's window or pause changed."""
        self._wake()

    @property
    def throttled_lanes(self) -> int:
        """Lanes that are paused right now."""
        now = self._clock()
        return sum(1 for lane in self.lanes if lane.paused_until > now)
