"""Replays an orchestrator's actions against its history, as the extension's shim does.

The Durable extension never trusts the worker's bookkeeping: it replays the returned actions
through the Durable Task Framework, awaiting each action in turn (V2 schema) or each action set
with WhenAny (V1), allocating one sequence id per activity / timer / sub-orchestration call in
that order, and matching them against the recorded history. Retries are the framework's loop
(attempt, timer, attempt, ..., a last timer, then the error). This module does the same, so
the ids the host writes are the ids the SDK expects, a changed orchestrator is caught as
non-deterministic, and the scheduled work of this episode comes out as a plan.
"""

from __future__ import annotations

import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from cli.durable_host.protocol import (
    COMPLETION_ID_KEY,
    FAILURE_EVENTS,
    ActionType,
    EventType,
    parse_timestamp,
)

NodeKind = Literal["activity", "sub_orchestration", "timer", "event", "all", "any", "retry"]
NodeState = Literal["running", "succeeded", "failed", "cancelled"]

_SCHEDULED_KIND: dict[int, NodeKind] = {
    EventType.TASK_SCHEDULED: "activity",
    EventType.SUB_ORCHESTRATION_INSTANCE_CREATED: "sub_orchestration",
    EventType.TIMER_CREATED: "timer",
}


class NonDeterminismError(Exception):
    """The orchestrator's actions no longer match its recorded history."""


class UnsupportedActionError(Exception):
    """The orchestrator used an API this host does not run (entities, durable HTTP)."""


@dataclass(eq=False)
class _Node:
    kind: NodeKind
    action: dict[str, Any]
    parent: _Node | None = None
    children: list[_Node] = field(default_factory=list)
    state: NodeState = "running"
    task_id: int | None = None
    recorded: bool = False
    fire_at: datetime | None = None
    # Compound bookkeeping (kinds "all" / "any"), kept as counters: fan-outs are wide.
    settled_children: int = 0
    child_failed: bool = False
    building: bool = False
    # Retry bookkeeping (kind == "retry"): DTFx's RetryInterceptor loop.
    attempt: int = 0
    first_attempt_at: datetime | None = None
    waiting_on_timer: bool = False

    @property
    def running(self) -> bool:
        return self.state == "running"


@dataclass(frozen=True)
class ScheduledActivity:
    """An activity call first scheduled in this episode."""

    task_id: int
    name: str
    input: str | None


@dataclass(frozen=True)
class ScheduledTimer:
    """A durable timer first created in this episode (cancelled ones are recorded, not fired)."""

    task_id: int
    fire_at: datetime
    cancelled: bool


@dataclass(frozen=True)
class ScheduledSubOrchestration:
    """A sub-orchestration first started in this episode."""

    task_id: int
    name: str
    instance_id: str
    input: str | None
    version: str | None


Scheduled = ScheduledActivity | ScheduledTimer | ScheduledSubOrchestration


@dataclass
class ReplayPlan:
    """What one episode's actions mean for the host."""

    scheduled: list[Scheduled] = field(default_factory=list)
    cancelled_timer_ids: list[int] = field(default_factory=list)
    continue_as_new: bool = False
    continue_as_new_input: str | None = None
    unconsumed_events: list[dict[str, Any]] = field(default_factory=list)


def _awaited(node: _Node) -> bool:
    """True when no enclosing compound task has already settled."""
    parent = node.parent
    while parent is not None:
        if not parent.running:
            return False
        parent = parent.parent
    return True


def steps_from_actions(actions: list[Any], schema_version: int) -> list[dict[str, Any]]:
    """The awaited steps: V2+ sends one flat list; V1 sends one list per yield (WhenAny)."""
    if schema_version >= 1:
        if len(actions) > 1:
            raise ValueError(f"schema {schema_version} expects one action list, got {len(actions)}")
        return list(actions[0]) if actions else []
    steps: list[dict[str, Any]] = []
    for action_set in actions:
        if len(action_set) == 1:
            steps.append(action_set[0])
        elif action_set:
            steps.append(
                {"actionType": int(ActionType.WHEN_ANY), "compoundActions": list(action_set)}
            )
    return steps


class ActionReplayer:
    """Mirrors the Durable Task Framework replaying an out-of-process orchestrator's actions."""

    def __init__(self, instance_id: str, execution_id: str, steps: list[dict[str, Any]]) -> None:
        self._instance_id = instance_id
        self._execution_id = execution_id
        self._steps = steps
        self._step_nodes: list[_Node] = []
        self._cursor = 0
        self._next_id = 0
        self._by_id: dict[int, _Node] = {}
        self._waiters: dict[str, deque[_Node]] = {}
        self._buffered: dict[str, deque[dict[str, Any]]] = {}
        self._now: datetime | None = None
        self._plan = ReplayPlan()

    def replay(self, history: list[dict[str, Any]]) -> ReplayPlan:
        """Walk `history` (old and new events of this execution) and return this episode's plan.

        Raises:
            NonDeterminismError: a recorded event does not match what the actions schedule now.
            UnsupportedActionError: an action type the local host cannot run.
        """
        for event in history:
            self._apply(event)
        for node in sorted(self._by_id.values(), key=lambda n: n.task_id or 0):
            self._collect(node)
        for events in self._buffered.values():
            self._plan.unconsumed_events.extend(events)
        return self._plan

    # -- history -------------------------------------------------------------------------
    def _apply(self, event: dict[str, Any]) -> None:
        event_type = event["EventType"]
        if event_type == EventType.ORCHESTRATOR_STARTED:
            moment = parse_timestamp(event["Timestamp"])
            self._now = moment if self._now is None else max(self._now, moment)
        elif event_type == EventType.EXECUTION_STARTED:
            self._advance()
        elif event_type in _SCHEDULED_KIND:
            self._match_scheduled(event)
        elif event_type in COMPLETION_ID_KEY:
            node = self._by_id.get(event[COMPLETION_ID_KEY[event_type]])
            if node is not None and node.running:
                self._settle(node, ok=event_type not in FAILURE_EVENTS)
                self._advance()
        elif event_type == EventType.EVENT_RAISED:
            self._deliver(event)
            self._advance()

    def _match_scheduled(self, event: dict[str, Any]) -> None:
        event_type = EventType(event["EventType"])
        node = self._by_id.get(event["EventId"])
        expected = _SCHEDULED_KIND[event_type]
        if node is None or node.kind != expected:
            raise NonDeterminismError(
                f"history has {event_type.name} with id {event['EventId']} "
                f"({event.get('Name') or 'timer'}) but the orchestrator did not schedule it"
            )
        recorded_name = event.get("Name")
        if expected != "timer" and recorded_name != node.action.get("functionName"):
            raise NonDeterminismError(
                f"history has {event_type.name} {recorded_name!r} with id {event['EventId']} "
                f"but the orchestrator now calls {node.action.get('functionName')!r}"
            )
        node.recorded = True

    def _deliver(self, event: dict[str, Any]) -> None:
        name = event.get("Name") or ""
        waiters = self._waiters.get(name)
        if not waiters:
            self._buffered.setdefault(name, deque()).append(event)
            return
        # A wait that lost a task_any is still registered; the SDK hands the event to the
        # newest wait, so prefer one that something still awaits over an abandoned one.
        live = next((w for w in reversed(waiters) if _awaited(w)), waiters[0])
        waiters.remove(live)
        self._settle(live, ok=True)

    # -- the shim's sequential awaits -----------------------------------------------------
    def _advance(self) -> None:
        while self._cursor < len(self._steps):
            if len(self._step_nodes) == self._cursor:
                self._step_nodes.append(self._invoke(self._steps[self._cursor], None))
            if self._step_nodes[self._cursor].running:
                return
            self._cursor += 1

    def _invoke(self, action: dict[str, Any], parent: _Node | None) -> _Node:
        action_type = action["actionType"]
        if action_type in (ActionType.CALL_ACTIVITY, ActionType.CALL_SUB_ORCHESTRATOR):
            kind: NodeKind = (
                "activity" if action_type == ActionType.CALL_ACTIVITY else "sub_orchestration"
            )
            return self._allocate(_Node(kind, action, parent))
        if action_type in (
            ActionType.CALL_ACTIVITY_WITH_RETRY,
            ActionType.CALL_SUB_ORCHESTRATOR_WITH_RETRY,
        ):
            node = _Node("retry", action, parent, first_attempt_at=self._now)
            self._new_attempt(node)
            return node
        if action_type == ActionType.CREATE_TIMER:
            node = self._allocate(_Node("timer", action, parent))
            node.fire_at = parse_timestamp(action["fireAt"])
            if action.get("isCanceled"):
                self._settle(node, ok=False, cancelled=True)
            return node
        if action_type == ActionType.WAIT_FOR_EXTERNAL_EVENT:
            node = _Node("event", action, parent)
            name = action.get("externalEventName") or ""
            buffered = self._buffered.get(name)
            if buffered:
                buffered.popleft()
                node.state = "succeeded"
            else:
                self._waiters.setdefault(name, deque()).append(node)
            return node
        if action_type == ActionType.CONTINUE_AS_NEW:
            self._plan.continue_as_new = True
            self._plan.continue_as_new_input = action.get("input")
            return _Node("event", action, parent, state="succeeded")
        if action_type in (ActionType.WHEN_ALL, ActionType.WHEN_ANY):
            node = _Node("all" if action_type == ActionType.WHEN_ALL else "any", action, parent)
            node.building = True  # children that finish at once are counted, judged after
            for child_action in action.get("compoundActions") or []:
                node.children.append(self._invoke(child_action, node))
            node.building = False
            self._evaluate_compound(node)
            return node
        raise UnsupportedActionError(
            f"action type {ActionType(action_type).name} is not supported by the local host"
        )

    def _allocate(self, node: _Node) -> _Node:
        node.task_id = self._next_id
        self._next_id += 1
        self._by_id[node.task_id] = node
        return node

    def _new_attempt(self, retry: _Node) -> None:
        inner = dict(retry.action)
        is_activity = inner["actionType"] == ActionType.CALL_ACTIVITY_WITH_RETRY
        kind: NodeKind = "activity" if is_activity else "sub_orchestration"
        retry.children.append(self._allocate(_Node(kind, inner, retry)))

    # -- completion propagation ----------------------------------------------------------
    def _settle(self, node: _Node, *, ok: bool, cancelled: bool = False) -> None:
        if cancelled:
            node.state = "cancelled"
        else:
            node.state = "succeeded" if ok else "failed"
        parent = node.parent
        if parent is None or not parent.running:
            return
        if parent.kind == "retry":
            self._on_retry_child(parent, node)
            return
        parent.settled_children += 1
        parent.child_failed = parent.child_failed or node.state != "succeeded"
        if not parent.building:
            self._evaluate_compound(parent)

    def _evaluate_compound(self, node: _Node) -> None:
        """Task.WhenAny ends with the first child; Task.WhenAll only once every child ended.

        .NET's WhenAll does not stop at the first failure (the SDK's task_all does), so work
        the orchestrator schedules after a failed task_all waits for the stragglers on Azure too.
        """
        if not node.running:
            return
        if node.kind == "any":
            if node.settled_children or not node.children:
                self._settle(node, ok=True)
        elif node.settled_children == len(node.children):
            self._settle(node, ok=not node.child_failed)

    def _on_retry_child(self, retry: _Node, child: _Node) -> None:
        if retry.waiting_on_timer:
            retry.waiting_on_timer = False
            retry.attempt += 1
            if retry.attempt >= int(retry.action["retryOptions"]["maxNumberOfAttempts"]):
                self._settle(retry, ok=False)
            else:
                self._new_attempt(retry)
            return
        if child.state == "succeeded":
            self._settle(retry, ok=True)
            return
        delay = self._retry_delay(retry)
        if delay is None:
            self._settle(retry, ok=False)
            return
        timer = self._allocate(_Node("timer", {"actionType": int(ActionType.CREATE_TIMER)}, retry))
        timer.fire_at = self._current_time() + delay
        retry.children.append(timer)
        retry.waiting_on_timer = True

    def _retry_delay(self, retry: _Node) -> timedelta | None:
        """DTFx RetryOptions: first interval x backoff^attempt, capped, until the retry timeout."""
        options = retry.action["retryOptions"]
        first_ms = float(options["firstRetryIntervalInMilliseconds"])
        coefficient = float(options.get("backoffCoefficient", 1.0))
        delay_ms = first_ms * coefficient**retry.attempt
        max_ms = options.get("maxRetryIntervalInMilliseconds")
        if max_ms is not None:
            delay_ms = min(delay_ms, float(max_ms))
        timeout_ms = options.get("retryTimeoutInMilliseconds")
        if timeout_ms is not None and retry.first_attempt_at is not None:
            expires = retry.first_attempt_at + timedelta(milliseconds=float(timeout_ms))
            if self._current_time() >= expires:
                return None
        return timedelta(milliseconds=delay_ms) if delay_ms > 0 else None

    def _current_time(self) -> datetime:
        if self._now is None:
            raise NonDeterminismError("history has no OrchestratorStarted event")
        return self._now

    # -- the plan ------------------------------------------------------------------------
    def _collect(self, node: _Node) -> None:
        assert node.task_id is not None
        if node.recorded:
            if node.kind == "timer" and node.state == "cancelled":
                self._plan.cancelled_timer_ids.append(node.task_id)
            return
        if node.kind == "activity":
            self._plan.scheduled.append(
                ScheduledActivity(node.task_id, node.action["functionName"], node.action["input"])
            )
        elif node.kind == "sub_orchestration":
            self._plan.scheduled.append(
                ScheduledSubOrchestration(
                    node.task_id,
                    node.action["functionName"],
                    node.action.get("instanceId") or self._child_instance_id(node.task_id),
                    node.action.get("input"),
                    node.action.get("version"),
                )
            )
        elif node.kind == "timer":
            assert node.fire_at is not None
            self._plan.scheduled.append(
                ScheduledTimer(node.task_id, node.fire_at, cancelled=node.state == "cancelled")
            )

    def _child_instance_id(self, task_id: int) -> str:
        """A deterministic id for a sub-orchestration started without one."""
        name = f"{self._instance_id}/{self._execution_id}/{task_id}"
        return uuid.uuid5(uuid.NAMESPACE_URL, name).hex
