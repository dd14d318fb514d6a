"""The local Durable host: runs a DFApp's orchestrations in-process with a persistent task hub."""

from __future__ import annotations

import json
import queue
import threading
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from azure.durable_functions import DurableOrchestrationClient
from azure.functions.decorators.function_app import DecoratorApi
from azure.functions.durable_functions import ActivityTriggerConverter

from cli.durable_host.activities import ActivityOutcome, ActivityRunner
from cli.durable_host.clock import VirtualClock
from cli.durable_host.episode import EpisodeRunner, EpisodeSettings
from cli.durable_host.messages import start_message
from cli.durable_host.metrics import HostMetrics, MetricsRecorder
from cli.durable_host.protocol import (
    EventType,
    ReplaySchema,
    RuntimeStatus,
    format_timestamp,
    history_event,
)
from cli.durable_host.registry import FunctionRegistry
from cli.durable_host.status import (
    InstanceGoneError,
    InstanceNotFoundError,
    InstanceStatus,
    status_from_record,
)
from cli.durable_host.store import HistoryStore, InstanceRecord, Message, WorkItem

DEFAULT_STORE = Path(".local/durable/taskhub.sqlite")
_CLOCK_KEY = "clock_offset_seconds"


class DurableHost:
    """Drives a DFApp's orchestrators through the SDK's replay engine, like the Functions host.

    Orchestrator episodes run one at a time on the dispatching thread (foreground calls such as
    `run_until_idle`, or the background thread after `start()`); activities run on a pool of
    `max_activity_workers` threads. Everything durable lives in a SQLite task hub, so a host
    opened on the same file after a crash resumes every unfinished instance.
    """

    def __init__(
        self,
        app: DecoratorApi | Iterable[DecoratorApi],
        store_path: Path | str | None = None,
        *,
        max_activity_workers: int = 4,
        time_scale: float = 0.0,
        check_determinism: bool = False,
        replay_schema: ReplaySchema = ReplaySchema.V3,
        preserve_unprocessed_events: bool = False,
    ) -> None:
        if time_scale < 0:
            raise ValueError("time_scale must be >= 0")
        self.registry = FunctionRegistry.of(app)
        self._time_scale = time_scale
        self.store = HistoryStore(Path(store_path) if store_path else DEFAULT_STORE)
        self.clock = VirtualClock(float(self.store.get_state(_CLOCK_KEY, "0")))
        settings = EpisodeSettings(
            replay_schema, time_scale, check_determinism, preserve_unprocessed_events
        )
        self._episodes = EpisodeRunner(self.registry, self.clock, settings, self._is_live)
        self._metrics = MetricsRecorder()
        self._finished: queue.SimpleQueue[ActivityOutcome] = queue.SimpleQueue()
        self._activities = ActivityRunner(
            self.registry, self._on_activity_done, max_activity_workers
        )
        self._histories: dict[str, tuple[str, list[dict[str, Any]]]] = {}
        self._wakeup = threading.Event()
        self._progress = threading.Condition()
        self._pump_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._recovered = False
        self._closed = False
        self._failure: BaseException | None = None

    # -- lifecycle -----------------------------------------------------------------------
    def __enter__(self) -> DurableHost:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def start(self) -> None:
        """Dispatch on a background thread until `stop()` (the CLI's long-running mode)."""
        if self._thread is not None:
            return
        self._become_dispatcher()
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name="durable-host", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the background thread; finished activity results are still acknowledged."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stopping.set()
            self._wakeup.set()
            thread.join()

    def close(self) -> None:
        """Stop dispatching, let running activities finish, persist their results, close."""
        if self._closed:
            return
        self.stop()
        self._activities.shutdown(wait=True)
        with self._pump_lock:
            self._acknowledge_activities()
        self.store.close()
        self._closed = True

    # -- management API (thread-safe) ----------------------------------------------------
    def start_new(
        self,
        name: str,
        input: Any = None,
        instance_id: str | None = None,
        *,
        input_json: str | None = None,
    ) -> str:
        """Start (or replace) an orchestration instance; returns its id.

        Args:
            name: the registered orchestrator function name.
            input: a JSON-serialisable input (ignored when `input_json` is given).
            instance_id: the id to use; a random one when omitted. An existing instance with
                that id is replaced, as `DurableOrchestrationClient.start_new` documents.
            input_json: the input already serialised as JSON text (the client webhook path).
        """
        self.registry.orchestrator(name)
        instance_id = instance_id or uuid.uuid4().hex
        execution_id = uuid.uuid4().hex
        if input_json is None and input is not None:
            input_json = str(ActivityTriggerConverter.encode(input, expected_type=None).value)
        now = self.clock.now()
        stamp = format_timestamp(now)
        record = InstanceRecord(
            instance_id, name, execution_id, RuntimeStatus.PENDING, stamp, stamp, input=input_json
        )
        self.store.start_instance(
            record, start_message(instance_id, execution_id, name, input_json, now)
        )
        self._wakeup.set()
        return instance_id

    def raise_event(self, instance_id: str, event_name: str, data: Any = None) -> None:
        """Deliver an external event; buffered by the orchestration until it waits for it.

        Raises:
            InstanceNotFoundError: no such instance.
            InstanceGoneError: the instance already finished.
        """
        self._require_live(instance_id)
        event = history_event(
            EventType.EVENT_RAISED, self.clock.now(), Name=event_name, Input=json.dumps(data)
        )
        self.store.add_messages([Message(instance_id, event)])
        self._wakeup.set()

    def terminate(self, instance_id: str, reason: str) -> None:
        """Terminate a running instance (its activities and sub-orchestrations run on).

        Raises:
            InstanceNotFoundError: no such instance.
            InstanceGoneError: the instance already finished.
        """
        self._require_live(instance_id)
        event = history_event(EventType.EXECUTION_TERMINATED, self.clock.now(), Input=reason)
        self.store.add_messages([Message(instance_id, event)])
        self._wakeup.set()

    def get_status(
        self, instance_id: str, *, show_history: bool = False, show_input: bool = True
    ) -> InstanceStatus | None:
        """The instance's status, or None when it does not exist."""
        record = self.store.get_instance(instance_id)
        if record is None:
            return None
        return self._status(record, show_history, show_input)

    def list_statuses(self, statuses: Iterable[RuntimeStatus] = ()) -> list[InstanceStatus]:
        """Status of every instance, optionally filtered by runtime status."""
        return [self._status(record, False, True) for record in self.store.list_instances(statuses)]

    def purge(self, instance_id: str) -> int:
        """Delete an instance and its history; returns how many instances were deleted."""
        self._histories.pop(instance_id, None)
        return self.store.purge(instance_id)

    def metrics(self) -> HostMetrics:
        """Replays, replay vs activity time, and history length per known instance."""
        snapshot = self._metrics.snapshot()
        for record in self.store.list_instances():
            snapshot.history_length[record.instance_id] = self.store.history_length(
                record.instance_id
            )
        return snapshot

    def client(self) -> DurableOrchestrationClient:
        """The SDK's `DurableOrchestrationClient`, answered by this host (for HTTP triggers)."""
        from cli.durable_host.client import durable_client

        return durable_client(self)

    async def call_client_function(self, name: str, trigger_value: Any) -> Any:
        """Run a registered HTTP/timer function with `trigger_value` and a local client."""
        from cli.durable_host.client import call_client_function

        return await call_client_function(self, name, trigger_value)

    # -- driving -------------------------------------------------------------------------
    def run_until_idle(self, timeout: float = 60.0) -> None:
        """Dispatch until no work, result or timer is pending (instances may await events).

        Raises:
            TimeoutError: still busy after `timeout` seconds.
        """
        self._become_dispatcher()
        deadline = time.monotonic() + timeout
        while not self._is_idle():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"durable host still busy after {timeout} s")
            self._drive(min(remaining, 0.5))

    def run_due(self, timeout: float = 60.0) -> None:
        """Dispatch everything due now; timers due later stay queued (for real-time scales).

        Raises:
            TimeoutError: still busy after `timeout` seconds.
        """
        self._become_dispatcher()
        deadline = time.monotonic() + timeout
        while not self._is_idle(until=time.time()):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"durable host still busy after {timeout} s")
            self._drive(min(remaining, 0.05))

    def wait_for(self, instance_id: str, timeout: float = 60.0) -> InstanceStatus:
        """Dispatch (or wait for the background thread) until the instance finishes.

        Raises:
            InstanceNotFoundError: no such instance.
            TimeoutError: not finished after `timeout` seconds.
        """
        self._become_dispatcher()
        deadline = time.monotonic() + timeout
        while True:
            status = self.get_status(instance_id)
            if status is None:
                raise InstanceNotFoundError(instance_id)
            if status.runtime_status.is_terminal:
                return status
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"instance {instance_id} is still {status.runtime_status}")
            self._drive(min(remaining, 0.5))

    def _drive(self, seconds: float) -> None:
        if self._failure is not None:
            raise RuntimeError("the durable host's dispatcher stopped") from self._failure
        if self._thread is not None:
            with self._progress:
                self._progress.wait(timeout=seconds)
        else:
            self._pump(seconds)

    def _loop(self) -> None:
        try:
            while not self._stopping.is_set():
                self._pump(0.5)
        except BaseException as error:  # surfaced to the thread that waits on the host
            self._failure = error
            with self._progress:
                self._progress.notify_all()

    def _pump(self, wait_seconds: float) -> bool:
        """One dispatch round; waits up to `wait_seconds` for something to do if idle."""
        with self._pump_lock:
            self._wakeup.clear()
            self._become_dispatcher()
            progressed = self._acknowledge_activities()
            now = time.time()
            batches = self.store.due_messages(now)
            # At time_scale 0 orchestration time only moves when nothing else is left to do, so
            # timers fire in order and after the work scheduled before them, deterministically.
            quiet = not batches and self._activities.in_flight == 0 and self._finished.empty()
            timers_held = self._time_scale == 0 and not quiet
            if not timers_held:
                orchestration_now = self.clock.now().timestamp()
                for instance_id, timers in self.store.due_timers(now, orchestration_now).items():
                    batches.setdefault(instance_id, []).extend(timers)
            for instance_id, messages in batches.items():
                self._run_episode(instance_id, messages)
                progressed = True
        if progressed:
            with self._progress:
                self._progress.notify_all()
            return True
        # Held timers wait for the running activities, which wake the dispatcher when done.
        next_due = None if timers_held else self.store.next_due_at()
        if next_due is not None:
            wait_seconds = min(wait_seconds, max(0.0, next_due - time.time()))
        if wait_seconds > 0:
            self._wakeup.wait(wait_seconds)
        return False

    def _is_idle(self, until: float | None = None) -> bool:
        """No activity running or unacknowledged, and no message due (by `until`, or ever)."""
        if self._activities.in_flight or not self._finished.empty():
            return False
        next_due = self.store.next_due_at()
        return next_due is None or (until is not None and next_due > until)

    def _on_activity_done(self, outcome: ActivityOutcome) -> None:
        self._finished.put(outcome)
        self._wakeup.set()

    def _become_dispatcher(self) -> None:
        """Take the hub's lease, then run again every unacknowledged activity (a restart)."""
        if self._recovered:
            return
        self.store.claim_dispatch()
        self._recovered = True
        for item in self.store.pending_work_items():
            self._activities.submit(item)

    # -- episodes ------------------------------------------------------------------------
    def _acknowledge_activities(self) -> bool:
        results: list[tuple[WorkItem, dict[str, Any]]] = []
        while True:
            try:
                outcome = self._finished.get_nowait()
            except queue.Empty:
                break
            self._metrics.activity(outcome.seconds, outcome.succeeded)
            results.append((outcome.item, outcome.to_event(self.clock.now())))
        if results:
            self.store.complete_work_items(results)
        return bool(results)

    def _run_episode(self, instance_id: str, messages: list[Message]) -> None:
        record = self.store.get_instance(instance_id)
        if record is None or record.status.is_terminal:
            self.store.discard_messages([m.message_id for m in messages])
            self._histories.pop(instance_id, None)
            return
        current = [m for m in messages if m.execution_id in (None, record.execution_id)]
        stale = [m.message_id for m in messages if m not in current]
        if stale:
            self.store.discard_messages(stale)
        if not current:
            return
        offset_before = self.clock.offset_seconds
        result = self._episodes.run(record, self._history(record), current)
        checkpoint = result.checkpoint
        if self.clock.offset_seconds != offset_before:  # a timer moved orchestration time
            checkpoint.host_state[_CLOCK_KEY] = repr(self.clock.offset_seconds)
        self.store.commit(checkpoint)
        self._metrics.replay(result.replay_seconds, len(checkpoint.appended_events))
        if checkpoint.instance.status.is_terminal:
            self._histories.pop(instance_id, None)
        else:
            self._histories[instance_id] = (checkpoint.instance.execution_id, result.history)
        for item in checkpoint.work_items:
            self._activities.submit(item)

    def _history(self, record: InstanceRecord) -> list[dict[str, Any]]:
        cached = self._histories.get(record.instance_id)
        if cached is not None and cached[0] == record.execution_id:
            return cached[1]
        if record.status in (RuntimeStatus.PENDING, RuntimeStatus.CONTINUED_AS_NEW):
            return []
        return self.store.load_history(record.instance_id)

    # -- helpers -------------------------------------------------------------------------
    def _is_live(self, instance_id: str) -> bool:
        record = self.store.get_instance(instance_id)
        return record is not None and not record.status.is_terminal

    def _require_live(self, instance_id: str) -> InstanceRecord:
        record = self.store.get_instance(instance_id)
        if record is None:
            raise InstanceNotFoundError(instance_id)
        if record.status.is_terminal:
            raise InstanceGoneError(instance_id)
        return record

    def _status(
        self, record: InstanceRecord, show_history: bool, show_input: bool
    ) -> InstanceStatus:
        history = self.store.load_history(record.instance_id) if show_history else None
        return status_from_record(record, history, show_input)
