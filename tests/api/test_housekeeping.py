"""The retention timer, called with a real TimerRequest on the local host against Azurite."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import Callable, Generator
from datetime import UTC, datetime, timedelta
from typing import Any

import azure.durable_functions as df
import pytest
from azure.functions.timer import TimerRequest
from azure.storage.blob import BlobServiceClient

from api import dependencies, housekeeping
from cli.durable_host import DurableHost, RuntimeStatus
from shared.ledger import AuditRow, RunRecord, page_blob_name
from shared.ledger.storage import ENV_CONNECTION_STRING
from tests.api.conftest import OPERATOR, PortalApi, http_request

pytestmark = pytest.mark.integration

work = df.Blueprint()


@work.orchestration_trigger(context_name="context", orchestration="finishes")
def finishes(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    return (yield context.call_activity("count_rows", 3))


@work.orchestration_trigger(context_name="context", orchestration="waits")
def waits(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    return (yield context.wait_for_external_event("MapConfirmed"))


@work.activity_trigger(input_name="rows", activity="count_rows")
def count_rows(rows: int) -> int:
    return rows


@pytest.fixture
def host(api_storage: None, durable_host_factory: Callable[..., DurableHost]) -> DurableHost:
    built = durable_host_factory([housekeeping.bp, work], time_scale=0)
    for name, instance in (("finishes", "run-old-done"), ("waits", "run-old-waiting")):
        built.start_new(name, None, instance_id=instance)
    built.run_until_idle()
    return built


def make_run(state: str, updated_at: datetime) -> str:
    run_id = f"run-{uuid.uuid4().hex[:16]}"
    dependencies.run_store().create(RunRecord(
        run_id=run_id, source_system="aerona", destination_kind="dataverse",
        environment="default", mode="full", state=state, started_by="ana",
        created_at=updated_at, updated_at=updated_at))  # fmt: skip
    staging = dependencies.staging()
    staging.write_jsonl(page_blob_name(run_id, "patient", 0), [{"source_id": "P1"}])
    staging.write_bytes(f"{run_id}/diff.csv", b"a,b\n", container="reports")
    return run_id


def blobs_of(run_id: str) -> int:
    service = BlobServiceClient.from_connection_string(os.environ[ENV_CONNECTION_STRING])
    return sum(
        1
        for container in ("staging", "reports")
        for _ in service.get_container_client(container).list_blobs(name_starts_with=f"{run_id}/")
    )


def run_timer(host: DurableHost) -> None:
    timer = TimerRequest(past_due=False, schedule={"AdjustForDST": True})
    assert asyncio.run(host.call_client_function("housekeeping", timer)) is None


def test_nothing_younger_than_the_retention_is_touched(host: DurableHost) -> None:
    finished = make_run("completed", datetime.now(UTC) - timedelta(days=29))
    run_timer(host)
    assert blobs_of(finished) == 2
    assert host.get_status("run-old-done") is not None


def test_old_finished_histories_and_idle_runs_are_purged_active_ones_kept(
    host: DurableHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The orchestrations were created moments ago: the timer runs 31 days later.
    later = datetime.now(UTC) + timedelta(days=31)
    old_done = make_run("completed", later - timedelta(days=31))
    old_cancelled = make_run("cancelled", later - timedelta(days=90))
    old_loading = make_run("loading", later - timedelta(days=31))
    recent_done = make_run("completed", later - timedelta(days=2))
    monkeypatch.setattr(housekeeping, "_now", lambda: later)
    monkeypatch.setenv(housekeeping.RETENTION_SETTING, "30")
    run_timer(host)
    assert host.get_status("run-old-done") is None
    waiting = host.get_status("run-old-waiting")
    assert waiting is not None and waiting.runtime_status == RuntimeStatus.RUNNING
    assert (blobs_of(old_done), blobs_of(old_cancelled)) == (0, 0)
    assert (blobs_of(old_loading), blobs_of(recent_done)) == (2, 2)
    assert dependencies.run_store().get(old_done).state == "completed"  # the row stays


@pytest.mark.parametrize(("raw", "days"), [(None, 30), ("7", 7), ("365", 365)])
def test_retention_comes_from_the_setting(
    monkeypatch: pytest.MonkeyPatch, raw: str | None, days: int
) -> None:
    if raw is None:
        monkeypatch.delenv(housekeeping.RETENTION_SETTING, raising=False)
    else:
        monkeypatch.setenv(housekeeping.RETENTION_SETTING, raw)
    assert housekeeping.retention() == timedelta(days=days)


@pytest.mark.parametrize("raw", ["0", "-3", "thirty", "1.5"])
def test_bad_retention_settings_are_refused(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv(housekeeping.RETENTION_SETTING, raw)
    with pytest.raises(ValueError, match=housekeeping.RETENTION_SETTING):
        housekeeping.retention()


def test_the_timer_reads_its_schedule_from_an_app_setting() -> None:
    (trigger,) = [
        b._function.get_trigger()
        for b in housekeeping.bp._function_builders
        if b._function.get_function_name() == "housekeeping"
    ]
    assert trigger.schedule == "%CLINICFERRY_HOUSEKEEPING_SCHEDULE%"
    assert trigger.run_on_startup is False


def delete(portal: PortalApi, run_id: str, roles: tuple[str, ...] = OPERATOR) -> tuple[int, Any]:
    req = http_request("DELETE", f"migrations/{run_id}", run_id=run_id, roles=roles)
    response = portal.call("purge_migration", req)
    return response.status_code, json.loads(response.get_body())


def test_purging_a_cancelled_run_removes_its_history_blobs_audit_rows_and_row(
    portal: PortalApi,
) -> None:
    run_id = portal.prepare_cancelled()
    other = portal.prepare_cancelled()
    for run in (run_id, other):
        rows = [
            AuditRow(run_id=run, table="contact", source_key=f"P{i}", operation="created",
                     operator="ana", confirmed_map_hash="a" * 64, batch_id="contact.00000")
            for i in range(150)
        ]  # fmt: skip
        dependencies.audit_ledger().record(rows)
    status, body = delete(portal, run_id)
    assert status == 200
    assert body == {"id": run_id, "purged": {"orchestrationHistories": 1, "blobs": 3,
                                             "auditRows": 150}}  # fmt: skip
    assert portal.host.get_status(run_id) is None and blobs_of(run_id) == 0
    assert list(dependencies.audit_ledger().rows(run_id)) == []
    with pytest.raises(KeyError):
        dependencies.run_store().get(run_id)
    assert portal.host.get_status(other) is not None and blobs_of(other) == 3
    assert len(list(dependencies.audit_ledger().rows(other))) == 150
    assert delete(portal, run_id)[0] == 404


def test_an_active_run_is_not_purged(portal: PortalApi) -> None:
    run_id = portal.prepare_awaiting_confirmation()
    status, body = delete(portal, run_id)
    assert (status, body["error"]) == (409, "the run is awaiting_confirmation; cancel it first")
    assert portal.host.get_status(run_id) is not None and blobs_of(run_id) == 3
