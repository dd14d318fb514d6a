"""The action replayer allocates task ids and checks history the way the extension does."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cli.durable_host.protocol import ActionType, EventType, history_event
from cli.durable_host.shim import (
    ActionReplayer,
    NonDeterminismError,
    ScheduledActivity,
    ScheduledTimer,
    UnsupportedActionError,
    steps_from_actions,
)

AT = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def activity(name: str, value: int = 0) -> dict[str, Any]:
    return {"actionType": int(ActionType.CALL_ACTIVITY), "functionName": name, "input": str(value)}


def started() -> list[dict[str, Any]]:
    return [
        history_event(EventType.ORCHESTRATOR_STARTED, AT),
        history_event(EventType.EXECUTION_STARTED, AT, Name="orch", Input=None, Version=""),
    ]


def replay(steps: list[dict[str, Any]], history: list[dict[str, Any]]) -> Any:
    return ActionReplayer("i", "e", steps).replay(history)


def test_v1_action_sets_become_when_any_steps() -> None:
    steps = steps_from_actions([[activity("a")], [activity("b"), activity("c")]], 0)

    assert [step["actionType"] for step in steps] == [ActionType.CALL_ACTIVITY, ActionType.WHEN_ANY]


def test_only_actions_past_the_recorded_history_are_new() -> None:
    history = [
        *started(),
        history_event(EventType.TASK_SCHEDULED, AT, 0, Name="a", Input="0"),
        history_event(EventType.TASK_COMPLETED, AT, TaskScheduledId=0, Result="1"),
    ]
    timer = {"actionType": int(ActionType.CREATE_TIMER), "fireAt": "2026-11-21T10:00:00.000000Z"}
    all_of = {"actionType": int(ActionType.WHEN_ALL), "compoundActions": [activity("b"), timer]}

    plan = replay([activity("a"), all_of], history)

    assert plan.scheduled == [
        ScheduledActivity(1, "b", "0"),
        ScheduledTimer(2, datetime(2026, 11, 21, 10, 0, tzinfo=UTC), cancelled=False),
    ]


def test_a_renamed_activity_is_non_deterministic() -> None:
    history = [*started(), history_event(EventType.TASK_SCHEDULED, AT, 0, Name="old", Input="0")]

    with pytest.raises(NonDeterminismError, match=r"'old'.*'new'"):
        replay([activity("new")], history)


def test_history_the_orchestrator_no_longer_schedules_is_non_deterministic() -> None:
    history = [*started(), history_event(EventType.TIMER_CREATED, AT, 0, FireAt="x")]

    with pytest.raises(NonDeterminismError, match="TIMER_CREATED"):
        replay([], history)


def test_entities_are_reported_as_unsupported() -> None:
    call_entity = {"actionType": int(ActionType.CALL_ENTITY), "instanceId": "@budget@prod"}

    with pytest.raises(UnsupportedActionError, match="CALL_ENTITY"):
        replay([call_entity], started())


def test_work_after_a_failed_when_all_waits_for_the_other_children() -> None:
    all_of = {
        "actionType": int(ActionType.WHEN_ALL),
        "compoundActions": [activity("a"), activity("b")],
    }
    history = [
        *started(),
        history_event(EventType.TASK_SCHEDULED, AT, 0, Name="a", Input="0"),
        history_event(EventType.TASK_SCHEDULED, AT, 1, Name="b", Input="0"),
        history_event(EventType.TASK_FAILED, AT, TaskScheduledId=0, Reason="x", Details=""),
    ]
    steps = [all_of, activity("after")]  # the SDK's task_all failed fast; the code went on

    waiting = replay(steps, history)
    done = replay(steps, [*history, history_event(EventType.TASK_COMPLETED, AT, TaskScheduledId=1)])

    assert waiting.scheduled == []  # as on Azure: Task.WhenAll waits for b
    assert done.scheduled == [ScheduledActivity(2, "after", "0")]
