"""Counters the host keeps for benchmarks: replays, time in replay vs activities, history size."""

from __future__ import annotations

import threading

from pydantic import BaseModel


class HostMetrics(BaseModel):
    """A snapshot of the host's work since it started."""

    orchestrator_replays: int = 0
    replay_seconds: float = 0.0
    activities_executed: int = 0
    activities_failed: int = 0
    activity_seconds: float = 0.0
    history_events_written: int = 0
    history_length: dict[str, int] = {}

    @property
    def replay_share(self) -> float:
        """Replay time as a share of replay + activity time (0 when nothing ran)."""
        total = self.replay_seconds + self.activity_seconds
        return self.replay_seconds / total if total else 0.0


class MetricsRecorder:
    """Thread-safe accumulation behind `DurableHost.metrics()`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._metrics = HostMetrics()

    def replay(self, seconds: float, events_written: int) -> None:
        """Count one orchestrator invocation and the events it appended."""
        with self._lock:
            self._metrics.orchestrator_replays += 1
            self._metrics.replay_seconds += seconds
            self._metrics.history_events_written += events_written

    def activity(self, seconds: float, succeeded: bool) -> None:
        """Count one activity execution."""
        with self._lock:
            self._metrics.activities_executed += 1
            self._metrics.activities_failed += 0 if succeeded else 1
            self._metrics.activity_seconds += seconds

    def history_length(self, instance_id: str, length: int) -> None:
        """Record the current history length of an instance."""
        with self._lock:
            self._metrics.history_length[instance_id] = length

    def snapshot(self) -> HostMetrics:
        """A copy safe to read while the host runs."""
        with self._lock:
            return self._metrics.model_copy(deep=True)
