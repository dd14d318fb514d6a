"""Service protection: per-user sliding windows (requests, execution time) and concurrency."""

from __future__ import annotations

import itertools
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from emulators.dataverse import errors
from emulators.dataverse.config import Limits
from emulators.dataverse.errors import DataverseError


@dataclass
class _UserWindow:
    charges: deque[tuple[float, float]] = field(default_factory=deque)
    execution_ms: float = 0.0
    in_flight: int = 0
    requests_total: int = 0
    execution_total_ms: float = 0.0
    throttled: dict[str, int] = field(default_factory=dict)


class ServiceProtection:
    """Admits or throttles each request; `window_s=None` keeps counters but enforces no window."""

    def __init__(
        self,
        limits: Limits,
        window_s: float | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits
        self.window_s = window_s
        self.clock = clock
        self.users: dict[str, _UserWindow] = {}

    def _window(self, user: str) -> _UserWindow:
        window = self.users.setdefault(user, _UserWindow())
        if self.window_s is not None:
            horizon = self.clock() - self.window_s
            while window.charges and window.charges[0][0] <= horizon:
                _, cost = window.charges.popleft()
                window.execution_ms -= cost
        return window

    def _retry_after(self, window: _UserWindow, by_time: bool) -> int:
        """Seconds until enough charges leave the window for a request to be admitted."""
        if not window.charges or self.window_s is None:
            return 1
        if by_time:
            excess = window.execution_ms - self.limits.max_execution_ms
            freed = itertools.accumulate(cost for _, cost in window.charges)
            index = next((i for i, total in enumerate(freed) if total > excess), 0)
        else:
            index = len(window.charges) - self.limits.max_requests
        freed_at = window.charges[max(index, 0)][0] + self.window_s
        return max(1, math.ceil(freed_at - self.clock()))

    def _throttle(
        self, window: _UserWindow, code: str, message: str, retry_after: int
    ) -> DataverseError:
        window.throttled[code] = window.throttled.get(code, 0) + 1
        return DataverseError(429, code, message, {"Retry-After": str(retry_after)})

    def admit(self, user: str) -> None:
        """Counts the request in; raises 429 when a limit is already exceeded.

        Raises:
            DataverseError: 429 with Retry-After and the documented error code.
        """
        window = self._window(user)
        limits = self.limits
        if window.in_flight >= limits.max_concurrent:
            raise self._throttle(
                window,
                errors.CONCURRENCY_LIMIT,
                f"Number of concurrent requests exceeded the limit of {limits.max_concurrent}.",
                1,
            )
        if self.window_s is not None:
            seconds = round(limits.window_s)
            if len(window.charges) >= limits.max_requests:
                raise self._throttle(
                    window,
                    errors.REQUESTS_LIMIT,
                    f"Number of requests exceeded the limit of {limits.max_requests} over time "
                    f"window of {seconds} seconds.",
                    self._retry_after(window, by_time=False),
                )
            if window.execution_ms >= limits.max_execution_ms:
                raise self._throttle(
                    window,
                    errors.EXECUTION_TIME_LIMIT,
                    f"Combined execution time of incoming requests exceeded limit of "
                    f"{limits.max_execution_ms:,.0f} milliseconds over time window of {seconds} "
                    "seconds. Decrease number of concurrent requests or reduce the duration of "
                    "requests and try again later.",
                    self._retry_after(window, by_time=True),
                )
        window.in_flight += 1

    def release(self, user: str, cost_ms: float) -> None:
        """Ends an admitted request and charges its execution time."""
        window = self._window(user)
        window.in_flight = max(0, window.in_flight - 1)
        if self.window_s is not None:  # without a window only the totals are kept
            window.charges.append((self.clock(), cost_ms))
            window.execution_ms += cost_ms
        window.requests_total += 1
        window.execution_total_ms += cost_ms

    def headers(self, user: str) -> dict[str, str]:
        """The x-ms-ratelimit-* headers: what is left of the window for this user."""
        window = self._window(user)
        requests_left = max(self.limits.max_requests - len(window.charges), 0)
        time_left = max(self.limits.max_execution_ms - window.execution_ms, 0.0)
        return {
            "x-ms-ratelimit-burst-remaining-xrm-requests": str(requests_left),
            "x-ms-ratelimit-time-remaining-xrm-requests": f"{time_left:,.2f}",
        }

    def counters(self) -> dict[str, Any]:
        """Per-user counters for the admin surface."""
        out: dict[str, Any] = {}
        for user in list(self.users):
            window = self._window(user)
            out[user] = {
                "window_requests": len(window.charges),
                "window_execution_ms": round(window.execution_ms, 3),
                "in_flight": window.in_flight,
                "requests_total": window.requests_total,
                "execution_total_ms": round(window.execution_total_ms, 3),
                "throttled": dict(window.throttled),
            }
        return out

    def reset(self) -> None:
        """Forgets every window."""
        self.users.clear()
