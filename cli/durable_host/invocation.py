"""Calls an orchestrator through the SDK's replay engine: context JSON in, state JSON out."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from azure.functions import meta
from azure.functions.durable_functions import OrchestrationTriggerConverter

from cli.durable_host.protocol import ReplaySchema

_OUT_OF_PROC_MARKER = "$OutOfProcData$:"

# What the extension sends with the Azure Storage provider: timers longer than six days are
# split by the SDK into three-day hops (replay schema V3).
MAXIMUM_SHORT_TIMER = "6.00:00:00"
LONG_TIMER_INTERVAL = "3.00:00:00"


@dataclass(frozen=True)
class OrchestratorState:
    """The worker's answer for one episode (the SDK's `OrchestratorState` JSON)."""

    is_done: bool
    actions: list[Any]
    schema_version: int
    output: Any
    error: str | None
    custom_status: Any
    raw: dict[str, Any]


def build_context(
    *,
    instance_id: str,
    parent_instance_id: str | None,
    input_text: str | None,
    history: list[dict[str, Any]],
    schema: ReplaySchema,
) -> str:
    """The orchestration trigger payload the extension hands the worker, as JSON text."""
    context: dict[str, Any] = {
        "history": history,
        "instanceId": instance_id,
        "isReplaying": len(history) > 2,
        "parentInstanceId": parent_instance_id,
        "input": input_text,
        "upperSchemaVersion": min(int(schema), int(ReplaySchema.V2)),
    }
    if schema >= ReplaySchema.V3:
        context["upperSchemaVersionNew"] = int(schema)
        context["maximumShortTimerDuration"] = MAXIMUM_SHORT_TIMER
        context["longRunningTimerIntervalDuration"] = LONG_TIMER_INTERVAL
    return json.dumps(context)


def call_orchestrator(handle: Callable[[Any], str], context_json: str) -> OrchestratorState:
    """Run the orchestrator handle the way the Python worker does and parse its state.

    An orchestrator that raises still returns its state: the SDK appends it to the exception
    message after `$OutOfProcData$:`, and the extension reads it from there.
    """
    trigger = OrchestrationTriggerConverter.decode(
        meta.Datum(type="json", value=context_json), trigger_metadata=None
    )
    try:
        encoded = handle(trigger)
    except Exception as error:
        message = str(error)
        head, marker, state_text = message.partition(_OUT_OF_PROC_MARKER)
        if not marker:
            return OrchestratorState(True, [], 0, None, message or type(error).__name__, None, {})
        raw = json.loads(state_text)
        raw.setdefault("error", head.strip())
        return _parse(raw)
    return _parse(json.loads(encoded))


def _parse(raw: dict[str, Any]) -> OrchestratorState:
    return OrchestratorState(
        is_done=bool(raw.get("isDone")),
        actions=list(raw.get("actions") or []),
        schema_version=int(raw.get("schemaVersion", 0)),
        output=raw.get("output"),
        error=raw.get("error"),
        custom_status=raw.get("customStatus"),
        raw=raw,
    )


def describe_divergence(first: OrchestratorState, second: OrchestratorState) -> str | None:
    """Where two replays of the same history disagree (names fields, never payload values)."""
    if first.raw == second.raw:
        return None
    first_actions = first.actions[0] if first.schema_version and first.actions else first.actions
    second_actions = (
        second.actions[0] if second.schema_version and second.actions else second.actions
    )
    if len(first_actions) != len(second_actions):
        return f"{len(first_actions)} actions, then {len(second_actions)}"
    for index, (left, right) in enumerate(zip(first_actions, second_actions, strict=True)):
        if left != right:
            fields = sorted(
                key
                for key in set(_as_dict(left)) | set(_as_dict(right))
                if _as_dict(left).get(key) != _as_dict(right).get(key)
            )
            return f"action {index} differs in {', '.join(fields) or 'shape'}"
    fields = sorted(key for key in set(first.raw) | set(second.raw) if key != "actions")
    changed = [key for key in fields if first.raw.get(key) != second.raw.get(key)]
    return f"state differs in {', '.join(changed)}"


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {"value": value}
