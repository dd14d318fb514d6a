"""Runs activity functions on a thread pool, passing payloads through the worker's JSON codec."""

from __future__ import annotations

import asyncio
import inspect
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from azure.functions import meta
from azure.functions.durable_functions import ActivityTriggerConverter

from cli.durable_host.protocol import EventType, history_event
from cli.durable_host.registry import FunctionRegistry, UnknownFunctionError
from cli.durable_host.store import WorkItem


@dataclass(frozen=True)
class ActivityOutcome:
    """What an activity returned (JSON text) or how it failed, and how long it ran."""

    item: WorkItem
    succeeded: bool
    result: str | None
    reason: str
    details: str
    seconds: float

    def to_event(self, at: datetime) -> dict[str, Any]:
        """The TaskCompleted / TaskFailed history event answering the work item."""
        if self.succeeded:
            return history_event(
                EventType.TASK_COMPLETED, at, TaskScheduledId=self.item.task_id, Result=self.result
            )
        return history_event(
            EventType.TASK_FAILED,
            at,
            TaskScheduledId=self.item.task_id,
            Reason=self.reason,
            Details=self.details,
        )


def invoke_activity(registry: FunctionRegistry, name: str, input_text: str | None) -> str:
    """Call one activity as the Python worker does: decode the input, call, encode the result.

    Raises:
        UnknownFunctionError: no activity of that name is registered.
        Exception: whatever the activity raised.
    """
    activity = registry.activity(name)
    datum = meta.Datum(type="json", value=input_text if input_text is not None else "null")
    argument = ActivityTriggerConverter.decode(datum, trigger_metadata=None)
    result: Any = activity.func(**{activity.input_name: argument})
    if inspect.isawaitable(result):
        result = asyncio.run(_await(result))
    encoded = ActivityTriggerConverter.encode(result, expected_type=None)
    return str(encoded.value)


async def _await(awaitable: Any) -> Any:
    return await awaitable


class ActivityRunner:
    """A bounded pool (maxConcurrentActivityFunctions) that reports each outcome to a callback."""

    def __init__(
        self,
        registry: FunctionRegistry,
        on_done: Callable[[ActivityOutcome], None],
        max_workers: int = 4,
    ) -> None:
        self._registry = registry
        self._on_done = on_done
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="activity")
        self._lock = threading.Lock()
        self._in_flight: set[tuple[str, str, int]] = set()

    @property
    def in_flight(self) -> int:
        """Activities submitted and not yet reported."""
        with self._lock:
            return len(self._in_flight)

    def submit(self, item: WorkItem) -> None:
        """Run `item` unless the same work item is already running."""
        key = (item.instance_id, item.execution_id, item.task_id)
        with self._lock:
            if key in self._in_flight:
                return
            self._in_flight.add(key)
        self._pool.submit(self._run, item, key)

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking work; with `wait`, let running activities finish."""
        self._pool.shutdown(wait=wait, cancel_futures=True)

    def _run(self, item: WorkItem, key: tuple[str, str, int]) -> None:
        started = time.perf_counter()
        try:
            result = invoke_activity(self._registry, item.name, item.input)
            outcome = ActivityOutcome(item, True, result, "", "", time.perf_counter() - started)
        except UnknownFunctionError as error:
            outcome = ActivityOutcome(item, False, None, str(error), "", 0.0)
        except Exception as error:  # an activity's failure becomes TaskFailed, as on Azure
            reason = f"Activity function '{item.name}' failed: {type(error).__name__}: {error}"
            outcome = ActivityOutcome(
                item, False, None, reason, traceback.format_exc(), time.perf_counter() - started
            )
        with self._lock:
            self._in_flight.discard(key)
        self._on_done(outcome)
