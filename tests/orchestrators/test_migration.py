"""Orchestration logic through the local Durable host (SDK replay), with stand-in activities."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import azure.durable_functions as df
import azure.functions as func
import pytest

from cli.durable_host import DurableHost, RuntimeStatus
from orchestrators import names
from orchestrators.load_table import bp as load_table_bp
from orchestrators.migration import bp as migration_bp
from tests.orchestrators import fake_activities
from tests.orchestrators.fake_activities import CALLS

START: dict[str, Any] = {
    "run_id": "run-test-1",
    "source_system": "aerona",
    "export": {"prefix": "exports/aerona-sample"},
    "mode": "full",
    "options": {"auto_confirm": True, "parallel_batches": 2},
    "started_by": "operator@example.org",
}


@pytest.fixture
def app() -> df.DFApp:
    application = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    for blueprint in (migration_bp, load_table_bp, fake_activities.bp):
        application.register_functions(blueprint)
    return application


@pytest.fixture
def host(app: df.DFApp, durable_host_factory: Callable[..., DurableHost]) -> DurableHost:
    return durable_host_factory(app, time_scale=0)


def start(host: DurableHost, **options: Any) -> str:
    payload = {**START, "options": {**START["options"], **options}}
    return host.start_new(names.MIGRATION, payload, instance_id=START["run_id"])


def called(name: str) -> list[dict[str, Any]]:
    return [payload for activity, payload in CALLS if activity == name]


def states() -> list[str]:
    return [p["state"] for p in called(names.SET_RUN_STATE)]


def test_full_run_loads_every_page_once_in_dependency_order(host: DurableHost) -> None:
    fake_activities.reset()
    status = host.wait_for(start(host))
    assert status.runtime_status == RuntimeStatus.COMPLETED
    output = status.output
    assert output["tables"] == {"account": {"created": 20}, "contact": {"created": 30}}
    loaded = [(p["table"], p["page"]) for p in called(names.LOAD_BATCH)]
    assert sorted(loaded) == [("account", 0), ("account", 1)] + [("contact", i) for i in range(3)]
    assert max(i for i, (t, _) in enumerate(loaded) if t == "account") < min(
        i for i, (t, _) in enumerate(loaded) if t == "contact"
    )
    assert all(p["confirmed_map_hash"] == "a" * 64 for p in called(names.LOAD_BATCH))
    assert states() == ["profiling", "awaiting_confirmation", "preparing", "loading",
                        "reconciling", "delta_open"]  # fmt: skip
    assert status.custom_status["stage"] == "delta_open"  # cutover changes are picked up next
    assert len(called(names.OPEN_DELTA_WINDOW)) == 1


def test_a_full_run_without_a_delta_window_ends_completed(host: DurableHost) -> None:
    fake_activities.reset()
    status = host.wait_for(start(host, delta_window_hours=0))
    assert status.output["state"] == "completed"
    assert states()[-1] == "completed" and called(names.OPEN_DELTA_WINDOW) == []


def test_waits_for_a_person_then_loads_with_the_confirmed_hash(
    app: df.DFApp, durable_host_factory: Callable[..., DurableHost]
) -> None:
    host = durable_host_factory(app, time_scale=1.0)  # real time: the 72 h deadline stays ahead
    fake_activities.reset()
    run_id = start(host, auto_confirm=False)
    host.run_due()
    waiting = host.get_status(run_id)
    assert waiting.runtime_status == RuntimeStatus.RUNNING
    assert waiting.custom_status["stage"] == "awaiting_confirmation"
    assert "confirm the proposed map" in waiting.custom_status["waiting_for"]
    assert called(names.LOAD_BATCH) == []  # nothing moves before confirmation
    host.raise_event(run_id, names.MAP_CONFIRMED_EVENT, {
        "confirmation_id": "c1", "confirmed_map_blob": "r/confirmed-map.json",
        "confirmed_map_hash": "b" * 64, "confirmed_by": "approver@example.org",
    })  # fmt: skip
    status = host.wait_for(run_id)
    assert status.runtime_status == RuntimeStatus.COMPLETED
    assert {p["confirmed_map_hash"] for p in called(names.LOAD_BATCH)} == {"b" * 64}


def test_unconfirmed_run_fails_at_its_deadline_without_writing(host: DurableHost) -> None:
    fake_activities.reset()
    status = host.wait_for(start(host, auto_confirm=False, confirm_deadline_hours=1))
    assert status.output == {"run_id": "run-test-1", "state": "failed",
                             "reason": "confirmation deadline passed"}  # fmt: skip
    assert called(names.LOAD_BATCH) == [] and called(names.CHECK_SCHEMA) == []


@pytest.mark.parametrize(("script", "reason"), [
    ({"schema_ok": False}, "destination schema missing: new_treatmentplan, contact.new_sourceid"),
    ({"owners_ok": False}, "fallback owner is disabled"),
])  # fmt: skip
def test_a_failed_gate_stops_the_run_before_any_write(
    host: DurableHost, script: dict[str, Any], reason: str
) -> None:
    fake_activities.reset(**script)
    status = host.wait_for(start(host))
    assert status.output["reason"] == reason
    assert states()[-1] == "failed"
    assert called(names.LOAD_BATCH) == []


def test_throttled_batch_waits_on_a_durable_timer_and_is_counted_once(host: DurableHost) -> None:
    fake_activities.reset(throttle_pages={"contact.00001"})
    status = host.wait_for(start(host))
    contact = status.output["tables"]["contact"]
    assert contact == {"created": 30, "throttled_retries": 1}
    attempts = [p["attempt"] for p in called(names.LOAD_BATCH) if p["table"] == "contact"]
    assert sorted(attempts) == [1, 1, 1, 2]


def test_large_table_continues_as_new_and_keeps_its_totals(host: DurableHost) -> None:
    fake_activities.reset(levels=[[("contact", "patient", 7)]])
    status = host.wait_for(start(host, batches_per_execution=2, parallel_batches=2))
    assert status.output["tables"]["contact"] == {"created": 70}
    assert sorted(p["page"] for p in called(names.LOAD_BATCH)) == list(range(7))


def test_tables_of_one_level_load_in_parallel_sub_orchestrations(host: DurableHost) -> None:
    fake_activities.reset(levels=[[("account", "location", 1), ("product", "procedure_code", 1)]])
    status = host.wait_for(start(host))
    assert set(status.output["tables"]) == {"account", "product"}
    children = {s.instance_id for s in host.list_statuses()} - {"run-test-1"}
    assert children == {"run-test-1:load:account", "run-test-1:load:product"}


def test_sample_run_is_diffed_before_it_reconciles_and_ends_sample_loaded(
    host: DurableHost,
) -> None:
    fake_activities.reset()
    payload = {**START, "mode": "sample"}
    status = host.wait_for(host.start_new(names.MIGRATION, payload, instance_id="run-sample-1"))
    assert status.output["state"] == "sample_loaded"
    assert status.output["diff"] == {"match": 10, "mismatch": 0}
    order = [name for name, _ in CALLS]
    assert order.index(names.DIFF_SAMPLE) < order.index(names.RECONCILE)
    assert states()[-1] == "sample_loaded"
