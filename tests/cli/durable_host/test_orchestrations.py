"""The local host runs the app's real orchestrators: chains, fan-out, timers, events, retries."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cli.durable_host import (
    DurableHost,
    InstanceGoneError,
    InstanceNotFoundError,
    ReplaySchema,
    RuntimeStatus,
)
from cli.durable_host.protocol import EventType
from cli.durable_host.store import HubBusyError
from tests.cli.durable_host.sample_app import RENAMEABLE_ACTIVITY, app
from tests.fixtures.durable_host import DurableHostFactory


def history_of(host: DurableHost, instance_id: str) -> list[dict[str, Any]]:
    status = host.get_status(instance_id, show_history=True)
    assert status is not None and status.history is not None
    return status.history


def scheduled_names(host: DurableHost, instance_id: str) -> list[str]:
    return [
        event["Name"]
        for event in history_of(host, instance_id)
        if event["EventType"] == EventType.TASK_SCHEDULED
    ]


@pytest.mark.parametrize("schema", list(ReplaySchema))
def test_activity_chain_runs_the_registered_functions(
    durable_host_factory: DurableHostFactory, schema: ReplaySchema
) -> None:
    host = durable_host_factory(app, replay_schema=schema)
    instance_id = host.start_new("chain", 1)

    status = host.wait_for(instance_id, timeout=10)

    assert status.runtime_status == RuntimeStatus.COMPLETED
    assert status.output == 4
    assert scheduled_names(host, instance_id) == ["add_one", "add_one_async", "add_one"]


@pytest.mark.parametrize("schema", [ReplaySchema.V1, ReplaySchema.V3])
def test_fan_out_of_300_activities_via_sub_orchestrations(
    durable_host_factory: DurableHostFactory, schema: ReplaySchema
) -> None:
    host = durable_host_factory(app, replay_schema=schema, check_determinism=False)
    instance_id = host.start_new("fan_out", {"total": 300, "chunk": 100}, instance_id="run-42")

    status = host.wait_for(instance_id, timeout=60)

    assert status.runtime_status == RuntimeStatus.COMPLETED
    assert status.output == {"sum": sum(n * n for n in range(300)), "chunks": 3}
    assert status.custom_status == {"phase": "done", "chunks": 3}
    children = [host.get_status(f"run-42:{index}") for index in range(3)]
    assert [c.runtime_status if c else None for c in children] == [RuntimeStatus.COMPLETED] * 3
    assert host.metrics().activities_executed == 300


def test_approval_arrives_before_the_deadline(durable_host_factory: DurableHostFactory) -> None:
    host = durable_host_factory(app, time_scale=1.0)  # a real one-hour deadline
    instance_id = host.start_new("approval", {"hours": 1})
    host.run_due(timeout=5)
    assert _status(host, instance_id).custom_status == {"phase": "awaiting_approval"}

    host.raise_event(instance_id, "Approved", {"by": "ops-7"})
    status = host.wait_for(instance_id, timeout=10)

    assert status.output == {"outcome": "approved", "by": "ops-7"}
    host.run_until_idle(timeout=2)  # the cancelled one-hour timer no longer keeps it busy


def test_approval_expires_when_the_timer_fires_first(
    durable_host_factory: DurableHostFactory,
) -> None:
    host = durable_host_factory(app, time_scale=0.0)
    instance_id = host.start_new("approval", {"hours": 24})
    created = _status(host, instance_id).created_time

    status = host.wait_for(instance_id, timeout=10)

    assert status.output["outcome"] == "expired"
    fired_at = datetime.fromisoformat(status.output["at"])
    assert fired_at - created >= timedelta(hours=24)


def test_timers_wait_real_time_scaled_down(durable_host_factory: DurableHostFactory) -> None:
    host = durable_host_factory(app, time_scale=0.6 / 3600)  # one hour takes 0.6 s
    started = time.monotonic()
    instance_id = host.start_new("approval", {"hours": 1})

    status = host.wait_for(instance_id, timeout=10)

    assert status.output["outcome"] == "expired"
    assert 0.5 <= time.monotonic() - started < 5


@pytest.mark.parametrize("time_scale", [0.0, 1.0 / 3600])
def test_timers_fire_in_order_after_earlier_work(
    durable_host_factory: DurableHostFactory, time_scale: float
) -> None:
    host = durable_host_factory(app, time_scale=time_scale)
    instance_id = host.start_new("timer_race")

    status = host.wait_for(instance_id, timeout=10)

    assert status.output == ["activity", "early"]


def test_waiting_again_after_a_lost_race_receives_the_event(
    durable_host_factory: DurableHostFactory,
) -> None:
    host = durable_host_factory(app)
    instance_id = host.start_new("reminder_then_wait")
    host.run_until_idle(timeout=5)
    reminded = _status(host, instance_id).custom_status

    host.raise_event(instance_id, "Approved", {"n": 1})

    assert reminded == {"reminded": True}
    assert host.wait_for(instance_id, timeout=5).output == 2


def test_held_timers_do_not_spin_while_activities_run(
    durable_host_factory: DurableHostFactory,
) -> None:
    host = durable_host_factory(app, time_scale=0.0, check_determinism=False)
    instance_id = host.start_new("timer_race")  # its timers wait for a 0.2 s activity
    cpu, wall = time.process_time(), time.monotonic()

    host.wait_for(instance_id, timeout=10)

    assert time.monotonic() - wall >= 0.2
    assert time.process_time() - cpu < 0.15


def test_orchestration_time_survives_a_restart(tmp_path: Any) -> None:
    hub = tmp_path / "hub.sqlite"
    with DurableHost(app, hub) as host:
        host.wait_for(host.start_new("approval", {"hours": 24}), timeout=10)

    with DurableHost(app, hub) as reopened:
        assert reopened.clock.now() - datetime.now(UTC) >= timedelta(hours=23, minutes=59)


@pytest.mark.filterwarnings("ignore:Potential duplicate Task completion")
@pytest.mark.parametrize(("preserve", "outcome"), [(False, "no ping"), (True, "ping")])
def test_continue_as_new_carries_unprocessed_events_only_when_asked(
    durable_host_factory: DurableHostFactory, preserve: bool, outcome: str
) -> None:
    host = durable_host_factory(app, preserve_unprocessed_events=preserve)
    instance_id = host.start_new("carry_events", 0)
    host.raise_event(instance_id, "Ping")  # lands in execution 0, which never waits for it

    assert host.wait_for(instance_id, timeout=10).output == outcome


def test_retry_options_retry_a_failing_activity(durable_host_factory: DurableHostFactory) -> None:
    host = durable_host_factory(app)
    instance_id = host.start_new("retrying", {"key": "retry-ok", "failures": 2})

    status = host.wait_for(instance_id, timeout=10)

    assert status.output["attempt"] == 3
    assert 4.0 <= status.output["waited_seconds"] < 6.0  # two 2-second retry timers
    events = [event["EventType"] for event in history_of(host, instance_id)]
    assert events.count(EventType.TASK_FAILED) == 2
    assert events.count(EventType.TIMER_FIRED) == 2


def test_retry_options_give_up_after_max_attempts(durable_host_factory: DurableHostFactory) -> None:
    host = durable_host_factory(app)
    instance_id = host.start_new("retrying", {"key": "retry-never", "failures": 5})

    status = host.wait_for(instance_id, timeout=10)

    assert "transient failure 3" in status.output["gave_up"]
    assert scheduled_names(host, instance_id) == ["flaky"] * 3


def test_parallel_retries_keep_task_ids_in_step_with_the_sdk(
    durable_host_factory: DurableHostFactory,
) -> None:
    host = durable_host_factory(app)
    instance_id = host.start_new("parallel_retries", "par")

    status = host.wait_for(instance_id, timeout=10)

    assert status.output == [2, 3, 42]
    scheduled = [e for e in history_of(host, instance_id) if "EventId" in e and e["EventId"] >= 0]
    assert [e["EventId"] for e in scheduled] == list(range(len(scheduled)))  # no id reused


def test_sub_orchestration_retry_reuses_the_child_id(
    durable_host_factory: DurableHostFactory,
) -> None:
    host = durable_host_factory(app)
    instance_id = host.start_new("retrying_parent", {"key": "child-retry", "failures": 1})

    status = host.wait_for(instance_id, timeout=10)

    assert status.output == 2
    assert _status(host, f"{instance_id}:child").runtime_status == RuntimeStatus.COMPLETED


def test_timers_beyond_six_days_hop_like_long_timers(
    durable_host_factory: DurableHostFactory,
) -> None:
    host = durable_host_factory(app)
    instance_id = host.start_new("approval", {"hours": 8 * 24})

    status = host.wait_for(instance_id, timeout=10)

    assert status.output["outcome"] == "expired"
    timers = [e for e in history_of(host, instance_id) if e["EventType"] == EventType.TIMER_CREATED]
    # Schema V3 with Azure Storage limits: a 3-day hop, then the remaining 5 days in one timer.
    fire_times = [datetime.fromisoformat(t["FireAt"].replace("Z", "+00:00")) for t in timers]
    assert [t - fire_times[0] for t in fire_times] == [timedelta(0), timedelta(days=5)]
    assert datetime.fromisoformat(status.output["at"]) >= fire_times[-1]


def test_continue_as_new_keeps_history_bounded(durable_host_factory: DurableHostFactory) -> None:
    host = durable_host_factory(app)
    instance_id = host.start_new("counter_loop", {"count": 0, "limit": 5})

    status = host.wait_for(instance_id, timeout=10)

    assert status.output == {"count": 5, "limit": 5}
    assert status.custom_status == {"count": 5}
    assert len(history_of(host, instance_id)) < 8  # only the last execution's events remain
    assert host.metrics().activities_executed == 5


def test_custom_status_is_readable_while_running(
    durable_host_factory: DurableHostFactory,
) -> None:
    host = durable_host_factory(app)
    instance_id = host.start_new("stepped", {"steps": 2})
    host.run_until_idle(timeout=5)
    first = _status(host, instance_id)

    host.raise_event(instance_id, "Next")
    host.run_until_idle(timeout=5)
    second = _status(host, instance_id)
    host.raise_event(instance_id, "Next")

    assert (first.runtime_status, first.custom_status) == (RuntimeStatus.RUNNING, {"step": 1})
    assert second.custom_status == {"step": 2}
    assert host.wait_for(instance_id, timeout=5).output == "finished"


def test_custom_status_over_16_kb_fails_like_the_extension(
    durable_host_factory: DurableHostFactory,
) -> None:
    host = durable_host_factory(app)
    small, large = host.start_new("chatty_status", 10), host.start_new("chatty_status", 100)

    host.run_until_idle(timeout=5)

    assert _status(host, small).runtime_status == RuntimeStatus.COMPLETED
    failed = _status(host, large)
    assert failed.runtime_status == RuntimeStatus.FAILED
    assert "16 KB" in failed.output


@pytest.mark.filterwarnings("ignore:Potential duplicate Task completion")
def test_events_raised_before_the_wait_are_buffered(
    durable_host_factory: DurableHostFactory,
) -> None:
    host = durable_host_factory(app)
    instance_id = host.start_new("stepped", {"steps": 2})
    host.raise_event(instance_id, "Next")  # before the orchestrator ever ran

    host.run_until_idle(timeout=5)

    assert _status(host, instance_id).custom_status == {"step": 2}


def test_events_for_unknown_or_finished_instances_are_refused(
    durable_host_factory: DurableHostFactory,
) -> None:
    host = durable_host_factory(app)
    done = host.start_new("chain", 0)
    host.wait_for(done, timeout=5)

    with pytest.raises(InstanceNotFoundError):
        host.raise_event("no-such-run", "Next")
    with pytest.raises(InstanceGoneError):
        host.raise_event(done, "Next")


@pytest.mark.parametrize("catch", [False, True])
def test_sub_orchestration_failure_reaches_the_parent(
    durable_host_factory: DurableHostFactory, catch: bool
) -> None:
    host = durable_host_factory(app)
    instance_id = host.start_new("parent_of_failing", {"code": "E42", "catch": catch})

    status = host.wait_for(instance_id, timeout=10)

    child = _status(host, f"{instance_id}:child")
    assert child.runtime_status == RuntimeStatus.FAILED
    assert "reason code E42" in child.output
    if catch:
        assert status.output == {"caught": True, "child": f"{instance_id}:child"}
    else:
        assert status.runtime_status == RuntimeStatus.FAILED
        assert "reason code E42" in status.output


def test_non_deterministic_orchestrator_is_caught(
    durable_host_factory: DurableHostFactory,
) -> None:
    host = durable_host_factory(app, check_determinism=True)
    instance_id = host.start_new("nondeterministic")

    status = host.wait_for(instance_id, timeout=5)

    assert status.runtime_status == RuntimeStatus.FAILED
    assert "NonDeterminismError" in status.output
    assert host.metrics().activities_executed == 0  # caught before anything ran


def test_code_changed_under_a_running_instance_is_caught(
    durable_host_factory: DurableHostFactory,
) -> None:
    host = durable_host_factory(app)
    instance_id = host.start_new("renameable")
    host.run_until_idle(timeout=5)
    RENAMEABLE_ACTIVITY["name"] = "square"  # a deployment renames the first activity
    try:
        host.raise_event(instance_id, "Go")
        status = host.wait_for(instance_id, timeout=5)
    finally:
        RENAMEABLE_ACTIVITY["name"] = "add_one"

    assert status.runtime_status == RuntimeStatus.FAILED
    assert "NonDeterminismError" in status.output
    assert "'add_one'" in status.output and "'square'" in status.output


def test_terminate_stops_a_waiting_instance(durable_host_factory: DurableHostFactory) -> None:
    host = durable_host_factory(app, time_scale=1.0)
    instance_id = host.start_new("approval", {"hours": 1})
    host.run_due(timeout=5)

    host.terminate(instance_id, "cancelled by operator")
    status = host.wait_for(instance_id, timeout=5)

    assert status.runtime_status == RuntimeStatus.TERMINATED
    assert status.output == "cancelled by operator"
    host.run_until_idle(timeout=2)


def test_only_one_host_dispatches_a_hub(tmp_path: Any) -> None:
    hub = tmp_path / "hub.sqlite"
    with DurableHost(app, hub) as first, DurableHost(app, hub) as second:
        instance_id = first.start_new("chain", 0)
        first.run_until_idle(timeout=5)

        with pytest.raises(HubBusyError):
            second.run_until_idle(timeout=5)
        assert second.get_status(instance_id) is not None  # reading needs no lease


def test_background_mode_runs_and_stops_cleanly(tmp_path: Any) -> None:
    with DurableHost(app, tmp_path / "hub.sqlite") as host:
        host.start()
        instance_id = host.start_new("chain", 10)
        assert host.wait_for(instance_id, timeout=10).output == 13
        host.stop()
        assert host.get_status(instance_id) is not None


def _status(host: DurableHost, instance_id: str) -> Any:
    status = host.get_status(instance_id)
    assert status is not None
    return status
