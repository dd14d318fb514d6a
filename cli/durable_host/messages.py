"""The messages instances send: starts, timer firings, sub-orchestration outcomes."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

from cli.durable_host.protocol import EventType, RuntimeStatus, history_event
from cli.durable_host.shim import ScheduledSubOrchestration, ScheduledTimer
from cli.durable_host.store import InstanceRecord, Message


def start_message(
    instance_id: str,
    execution_id: str,
    name: str,
    input_text: str | None,
    at: datetime,
    parent: InstanceRecord | None = None,
) -> Message:
    """The ExecutionStarted message that begins an execution."""
    parent_instance = None
    if parent is not None:
        parent_instance = {
            "Name": parent.name,
            "OrchestrationInstance": {
                "InstanceId": parent.instance_id,
                "ExecutionId": parent.execution_id,
            },
        }
    event = history_event(
        EventType.EXECUTION_STARTED,
        at,
        Name=name,
        Input=input_text,
        Version="",
        OrchestrationInstance={"InstanceId": instance_id, "ExecutionId": execution_id},
        ParentInstance=parent_instance,
    )
    return Message(instance_id, event, execution_id)


def already_running_notice(
    record: InstanceRecord, item: ScheduledSubOrchestration, now: datetime
) -> Message:
    """The failure DTFx reports when a sub-orchestration id is taken by a live instance."""
    event = history_event(
        EventType.SUB_ORCHESTRATION_INSTANCE_FAILED,
        now,
        TaskScheduledId=item.task_id,
        Reason=f"An orchestration with instance ID '{item.instance_id}' is already running.",
        Details="",
    )
    return Message(record.instance_id, event, record.execution_id, item.task_id)


def timer_message(
    record: InstanceRecord, timer: ScheduledTimer, fire_at: str, now: datetime, time_scale: float
) -> Message:
    """TimerFired, due after the remaining time x `time_scale` (wall clock)."""
    wait = max(0.0, (timer.fire_at - now).total_seconds()) * time_scale
    event = history_event(EventType.TIMER_FIRED, timer.fire_at, TimerId=timer.task_id)
    event["FireAt"] = fire_at
    return Message(
        record.instance_id,
        event,
        record.execution_id,
        timer.task_id,
        due_at=time.time() + wait,
        fire_at=timer.fire_at.timestamp(),
    )


def parent_notice(
    record: InstanceRecord, status: RuntimeStatus, output: Any, now: datetime
) -> Message:
    """SubOrchestrationInstanceCompleted/Failed for the parent, as DTFx sends on any end."""
    assert record.parent_instance_id is not None
    if status == RuntimeStatus.COMPLETED:
        event = history_event(
            EventType.SUB_ORCHESTRATION_INSTANCE_COMPLETED,
            now,
            TaskScheduledId=record.parent_task_id,
            Result=json.dumps(output),
        )
    else:
        event = history_event(
            EventType.SUB_ORCHESTRATION_INSTANCE_FAILED,
            now,
            TaskScheduledId=record.parent_task_id,
            Reason=str(output),
            Details=f"sub-orchestration {record.instance_id} ended {status}",
        )
    return Message(
        record.parent_instance_id, event, record.parent_execution_id, record.parent_task_id
    )


def played_event(
    event_type: EventType, at: datetime, event_id: int = -1, **fields: Any
) -> dict[str, Any]:
    """A history event written by the host during this episode (replayed from then on)."""
    event = history_event(event_type, at, event_id, **fields)
    event["IsPlayed"] = True
    return event
