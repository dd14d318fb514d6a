"""One orchestration episode: new events in, orchestrator replayed, the checkpoint to commit out."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cli.durable_host.clock import VirtualClock
from cli.durable_host.invocation import (
    OrchestratorState,
    build_context,
    call_orchestrator,
    describe_divergence,
)
from cli.durable_host.messages import (
    already_running_notice,
    parent_notice,
    played_event,
    start_message,
    timer_message,
)
from cli.durable_host.protocol import (
    EventType,
    ReplaySchema,
    RuntimeStatus,
    format_timestamp,
    history_event,
    parse_timestamp,
)
from cli.durable_host.registry import FunctionRegistry, UnknownFunctionError
from cli.durable_host.shim import (
    ActionReplayer,
    NonDeterminismError,
    ReplayPlan,
    ScheduledActivity,
    ScheduledTimer,
    UnsupportedActionError,
    steps_from_actions,
)
from cli.durable_host.store import Checkpoint, InstanceRecord, Message, WorkItem

# The extension refuses a larger custom status (and the orchestration fails with it).
MAX_CUSTOM_STATUS_BYTES = 16 * 1024


@dataclass(frozen=True)
class EpisodeSettings:
    """Host options that change how an episode runs."""

    schema: ReplaySchema = ReplaySchema.V3
    time_scale: float = 0.0
    check_determinism: bool = False
    preserve_unprocessed_events: bool = False


@dataclass
class EpisodeResult:
    """The checkpoint to commit, plus what the host does after committing it."""

    checkpoint: Checkpoint
    history: list[dict[str, Any]]
    replay_seconds: float = 0.0


class EpisodeRunner:
    """Turns an instance's queued messages into its next checkpoint."""

    def __init__(
        self,
        registry: FunctionRegistry,
        clock: VirtualClock,
        settings: EpisodeSettings,
        instance_running: Callable[[str], bool],
    ) -> None:
        self._registry = registry
        self._clock = clock
        self._settings = settings
        self._instance_running = instance_running

    def run(
        self,
        record: InstanceRecord,
        history: list[dict[str, Any]],
        messages: list[Message],
    ) -> EpisodeResult:
        """Apply `messages` (already filtered to this execution) to the instance."""
        consumed = [m.message_id for m in messages]
        events = [m.event for m in messages]
        started = [e for e in events if e["EventType"] == EventType.EXECUTION_STARTED]
        events = started + [e for e in events if e["EventType"] != EventType.EXECUTION_STARTED]
        for event in events:
            if event["EventType"] == EventType.TIMER_FIRED:
                self._clock.advance_to(parse_timestamp(event["FireAt"]))
        now = self._clock.now()
        new_events = [history_event(EventType.ORCHESTRATOR_STARTED, now), *events]
        for event in new_events:
            event["IsPlayed"] = False
        terminate = next(
            (e for e in events if e["EventType"] == EventType.EXECUTION_TERMINATED), None
        )
        if terminate is not None:
            reason = terminate.get("Input")
            return self._finish(
                record, history, new_events, consumed, now, RuntimeStatus.TERMINATED, reason
            )

        context = build_context(
            instance_id=record.instance_id,
            parent_instance_id=record.parent_instance_id,
            input_text=record.input,
            history=history + new_events,
            schema=self._settings.schema,
        )
        for event in new_events:
            event["IsPlayed"] = True  # from the next episode on, these are replayed
        clock_started = time.perf_counter()
        state, failure = self._invoke(record.name, context)
        plan = ReplayPlan()
        if failure is None and state is not None:
            try:
                steps = steps_from_actions(state.actions, state.schema_version)
                replayer = ActionReplayer(record.instance_id, record.execution_id, steps)
                plan = replayer.replay(history + new_events)
            except (NonDeterminismError, UnsupportedActionError, ValueError) as error:
                failure = f"{type(error).__name__}: {error}"
        replay_seconds = time.perf_counter() - clock_started
        if state is not None and state.custom_status is not None:
            custom_status = json.dumps(state.custom_status)
            if len(custom_status.encode("utf-16-le")) > MAX_CUSTOM_STATUS_BYTES:
                failure = failure or "custom status is larger than 16 KB of UTF-16 JSON"
            else:
                record.custom_status = custom_status

        if failure is not None or (state is not None and state.error):
            error_text = failure or (state.error if state else None) or "unknown error"
            message = f"Orchestrator function '{record.name}' failed: {error_text}"
            result = self._finish(
                record, history, new_events, consumed, now, RuntimeStatus.FAILED, message
            )
        elif plan.continue_as_new:
            result = self._continue_as_new(record, history, new_events, consumed, now, plan)
        elif state is not None and state.is_done:
            result = self._finish(
                record, history, new_events, consumed, now, RuntimeStatus.COMPLETED, state.output
            )
        else:
            result = self._schedule(record, history, new_events, consumed, now, plan)
        result.replay_seconds = replay_seconds
        return result

    def _invoke(self, name: str, context: str) -> tuple[OrchestratorState | None, str | None]:
        try:
            handle = self._registry.orchestrator(name)
        except UnknownFunctionError as error:
            return None, str(error)
        state = call_orchestrator(handle, context)
        if self._settings.check_determinism:
            divergence = describe_divergence(state, call_orchestrator(handle, context))
            if divergence is not None:
                return state, (
                    "NonDeterminismError: replaying the same history twice gave different "
                    f"results ({divergence})"
                )
        return state, None

    # -- outcomes ------------------------------------------------------------------------
    def _schedule(
        self,
        record: InstanceRecord,
        history: list[dict[str, Any]],
        new_events: list[dict[str, Any]],
        consumed: list[int],
        now: datetime,
        plan: ReplayPlan,
    ) -> EpisodeResult:
        appended = list(new_events)
        work: list[WorkItem] = []
        messages: list[Message] = []
        children: list[InstanceRecord] = []
        for item in plan.scheduled:
            if isinstance(item, ScheduledActivity):
                appended.append(
                    played_event(
                        EventType.TASK_SCHEDULED,
                        now,
                        item.task_id,
                        Name=item.name,
                        Input=item.input,
                    )
                )
                work.append(
                    WorkItem(
                        record.instance_id,
                        record.execution_id,
                        item.task_id,
                        item.name,
                        item.input,
                    )
                )
            elif isinstance(item, ScheduledTimer):
                fire_at = format_timestamp(item.fire_at)
                appended.append(
                    played_event(EventType.TIMER_CREATED, now, item.task_id, FireAt=fire_at)
                )
                if not item.cancelled:
                    messages.append(
                        timer_message(record, item, fire_at, now, self._settings.time_scale)
                    )
            else:
                appended.append(
                    played_event(
                        EventType.SUB_ORCHESTRATION_INSTANCE_CREATED,
                        now,
                        item.task_id,
                        Name=item.name,
                        InstanceId=item.instance_id,
                        Input=item.input,
                    )
                )
                if self._instance_running(item.instance_id):
                    # DTFx refuses to start a sub-orchestration over a live instance.
                    messages.append(already_running_notice(record, item, now))
                    continue
                child_execution = uuid.uuid4().hex
                children.append(
                    InstanceRecord(
                        item.instance_id,
                        item.name,
                        child_execution,
                        RuntimeStatus.PENDING,
                        format_timestamp(now),
                        format_timestamp(now),
                        input=item.input,
                        parent_instance_id=record.instance_id,
                        parent_execution_id=record.execution_id,
                        parent_task_id=item.task_id,
                    )
                )
                messages.append(
                    start_message(
                        item.instance_id, child_execution, item.name, item.input, now, record
                    )
                )
        appended.append(played_event(EventType.ORCHESTRATOR_COMPLETED, now))
        record.status = RuntimeStatus.RUNNING
        record.updated_at = format_timestamp(now)
        checkpoint = Checkpoint(
            instance=record,
            consumed_message_ids=consumed,
            history_start=len(history),
            appended_events=appended,
            work_items=work,
            messages=messages,
            started_instances=children,
            cancelled_timer_ids=plan.cancelled_timer_ids,
        )
        return EpisodeResult(checkpoint, history + appended)

    def _continue_as_new(
        self,
        record: InstanceRecord,
        history: list[dict[str, Any]],
        new_events: list[dict[str, Any]],
        consumed: list[int],
        now: datetime,
        plan: ReplayPlan,
    ) -> EpisodeResult:
        new_execution = uuid.uuid4().hex
        messages = [
            start_message(
                record.instance_id, new_execution, record.name, plan.continue_as_new_input, now
            )
        ]
        if self._settings.preserve_unprocessed_events:
            messages += [
                Message(record.instance_id, dict(event, IsPlayed=False))
                for event in plan.unconsumed_events
            ]
        record.execution_id = new_execution
        record.input = plan.continue_as_new_input
        record.status = RuntimeStatus.CONTINUED_AS_NEW
        record.updated_at = format_timestamp(now)
        checkpoint = Checkpoint(
            instance=record,
            consumed_message_ids=consumed,
            history_start=0,
            appended_events=[],
            reset_history=True,
            messages=messages,
            drop_pending_work=True,
        )
        return EpisodeResult(checkpoint, [])

    def _finish(
        self,
        record: InstanceRecord,
        history: list[dict[str, Any]],
        new_events: list[dict[str, Any]],
        consumed: list[int],
        now: datetime,
        status: RuntimeStatus,
        output: Any,
    ) -> EpisodeResult:
        output_text = json.dumps(output)
        appended = list(new_events)
        if status == RuntimeStatus.TERMINATED:
            appended.append(played_event(EventType.EXECUTION_TERMINATED, now, Input=output_text))
        appended.append(played_event(EventType.ORCHESTRATOR_COMPLETED, now))
        appended.append(
            played_event(
                EventType.EXECUTION_COMPLETED,
                now,
                OrchestrationStatus=str(status),
                Result=output_text,
            )
        )
        for event in appended:
            event["IsPlayed"] = True
        record.status = status
        record.output = output_text
        record.updated_at = format_timestamp(now)
        messages: list[Message] = []
        if record.parent_instance_id and record.parent_task_id is not None:
            messages.append(parent_notice(record, status, output, now))
        checkpoint = Checkpoint(
            instance=record,
            consumed_message_ids=consumed,
            history_start=len(history),
            appended_events=appended,
            messages=messages,
            drop_pending_work=True,
        )
        return EpisodeResult(checkpoint, history + appended)
