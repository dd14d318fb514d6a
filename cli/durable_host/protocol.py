"""The Durable extension's wire vocabulary: history events, action types, runtime statuses."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import IntEnum, StrEnum
from typing import Any, TypeAlias

from azure.durable_functions.models.actions.ActionType import ActionType
from azure.durable_functions.models.history.HistoryEventType import HistoryEventType

__all__ = [
    "ActionType",
    "EventType",
    "RuntimeStatus",
    "format_timestamp",
    "history_event",
    "parse_timestamp",
]

EventType: TypeAlias = HistoryEventType

# Format the SDK itself writes and reads (azure.durable_functions.constants).
_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

# Scheduling events and the completion events that answer them, keyed by event type.
SCHEDULED_EVENTS = frozenset(
    {
        EventType.TASK_SCHEDULED,
        EventType.TIMER_CREATED,
        EventType.SUB_ORCHESTRATION_INSTANCE_CREATED,
    }
)
COMPLETION_ID_KEY: dict[int, str] = {
    EventType.TASK_COMPLETED: "TaskScheduledId",
    EventType.TASK_FAILED: "TaskScheduledId",
    EventType.SUB_ORCHESTRATION_INSTANCE_COMPLETED: "TaskScheduledId",
    EventType.SUB_ORCHESTRATION_INSTANCE_FAILED: "TaskScheduledId",
    EventType.TIMER_FIRED: "TimerId",
}
FAILURE_EVENTS = frozenset({EventType.TASK_FAILED, EventType.SUB_ORCHESTRATION_INSTANCE_FAILED})


class RuntimeStatus(StrEnum):
    """Orchestration runtime status, spelled as `OrchestrationRuntimeStatus` values."""

    PENDING = "Pending"
    RUNNING = "Running"
    COMPLETED = "Completed"
    CONTINUED_AS_NEW = "ContinuedAsNew"
    FAILED = "Failed"
    TERMINATED = "Terminated"

    @property
    def is_terminal(self) -> bool:
        """True once the instance will never run again (until restarted by start_new)."""
        return self in _TERMINAL


_TERMINAL = frozenset({RuntimeStatus.COMPLETED, RuntimeStatus.FAILED, RuntimeStatus.TERMINATED})


class ReplaySchema(IntEnum):
    """`upperSchemaVersion` values the SDK understands (V1 nested lists, V2+ flat actions)."""

    V1 = 0
    V2 = 1
    V3 = 2


def format_timestamp(moment: datetime) -> str:
    """Render an aware datetime the way history events carry it (UTC, microseconds, 'Z')."""
    return moment.astimezone(UTC).strftime(_TIMESTAMP_FORMAT)


def parse_timestamp(text: str) -> datetime:
    """Parse a history/action timestamp ('...Z' or an ISO offset) into an aware UTC datetime."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def history_event(
    event_type: EventType, at: datetime, event_id: int = -1, **fields: Any
) -> dict[str, Any]:
    """One history event as the extension sends it to the worker (PascalCase fields)."""
    event: dict[str, Any] = {
        "EventType": int(event_type),
        "EventId": event_id,
        "IsPlayed": False,
        "Timestamp": format_timestamp(at),
    }
    event.update(fields)
    return event


def dumps_compact(value: Any) -> str:
    """JSON text with no spaces, as payloads are stored."""
    return json.dumps(value, separators=(",", ":"))
