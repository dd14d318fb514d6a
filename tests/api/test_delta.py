"""The delta timer and routes on the local Durable host and real Azurite (passes stood in)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Generator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import azure.durable_functions as df
import azure.functions as func
import pytest
from azure.functions.timer import TimerRequest

from api import delta, dependencies
from cli.durable_host import DurableHost
from orchestrators import names
from shared.ledger import RunRecord
from shared.ledger.runs import DeltaWindow, PassRecord
from shared.pipeline.extract import save_run_start
from shared.pipeline.messages import StartRun
from tests.api.conftest import OPERATOR, http_request

pytestmark = pytest.mark.integration

stand_in = df.Blueprint()


@stand_in.orchestration_trigger(context_name="context", orchestration=names.LOAD_PASS)
def load_pass(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    """Stays running until told to finish (an overlapping pass)."""
    return (yield context.wait_for_external_event("finish"))


@pytest.fixture
def host(api_storage: None, durable_host_factory: Callable[..., DurableHost]
         ) -> Iterator[DurableHost]:  # fmt: skip
    yield durable_host_factory([delta.bp, stand_in], time_scale=0)


def make_run(state: str = "completed", mode: str = "full",
             window: DeltaWindow | None = None) -> str:  # fmt: skip
    run_id = f"run-{uuid.uuid4().hex[:12]}"
    now = datetime.now(UTC)
    dependencies.run_store().create(RunRecord(
        run_id=run_id, source_system="aerona", destination_kind="dataverse",
        environment="default", mode=mode, state=state, started_by="ana", delta_window=window,
        created_at=now, updated_at=now))  # fmt: skip
    save_run_start(dependencies.staging(), StartRun.model_validate({
        "run_id": run_id, "source_system": "aerona", "export": {"prefix": f"exports/{run_id}"},
        "mode": mode, "started_by": "ana"}))  # fmt: skip
    return run_id


def window(due_in: timedelta = timedelta(0), ends_in: timedelta = timedelta(hours=48),
           **update: Any) -> DeltaWindow:  # fmt: skip
    now = datetime.now(UTC)
    return DeltaWindow(opened_at=now - timedelta(hours=1), ends_at=now + ends_in,
                       next_due_at=now + due_in, drop_prefix="exports/x",
                       **update)  # fmt: skip


def tick(host: DurableHost) -> None:
    timer = TimerRequest(past_due=False, schedule={"AdjustForDST": True})
    asyncio.run(host.call_client_function("delta_tick", timer))
    host.run_due()


def post(host: DurableHost, function: str, run_id: str, body: Any = None,
         roles: tuple[str, ...] | None = OPERATOR) -> tuple[int, Any]:  # fmt: skip
    req = http_request("POST", f"migrations/{run_id}/x", body=body, roles=roles, run_id=run_id)
    response = asyncio.run(host.call_client_function(function, req))
    assert isinstance(response, func.HttpResponse)
    return response.status_code, json.loads(response.get_body())


def test_the_timer_reads_its_schedule_from_an_app_setting() -> None:
    (trigger,) = [b._function.get_trigger() for b in delta.bp._function_builders
                  if b._function.get_function_name() == "delta_tick"]  # fmt: skip
    assert trigger.schedule == "%CLINICFERRY_DELTA_SCHEDULE%" and trigger.run_on_startup is False


def test_a_due_window_gets_one_pass_and_an_overlapping_tick_skips_it(host: DurableHost) -> None:
    run_id = make_run("delta_open", window=window())
    tick(host)
    tick(host)  # the first pass is still running: not started twice
    first = host.get_status(f"{run_id}:delta-001")
    assert first is not None and first.runtime_status.value == "Running"
    job = json.loads(first.input) if isinstance(first.input, str) else first.input
    assert job["pass_id"] == "delta-001" and job["closing"] is False
    assert job["operator"] == delta.TIMER_OPERATOR
    assert host.get_status(f"{run_id}:delta-002") is None


def test_windows_not_due_closed_or_of_other_runs_start_nothing(host: DurableHost) -> None:
    later = make_run("delta_open", window=window(due_in=timedelta(minutes=10)))
    closed = make_run("delta_open", window=window(closed_at=datetime.now(UTC)))
    rolled = make_run("rolled_back", window=window())
    tick(host)
    for run_id in (later, closed, rolled):
        assert host.get_status(f"{run_id}:delta-001") is None


def test_the_tick_after_the_end_starts_the_closing_pass_numbered_after_recorded_ones(
    host: DurableHost,
) -> None:
    run_id = make_run("delta_open", window=window(ends_in=timedelta(minutes=-1)))
    done = PassRecord(pass_id="delta-001", state="completed", finished_at=datetime.now(UTC))
    dependencies.run_store().record_pass(run_id, done)
    tick(host)
    status = host.get_status(f"{run_id}:delta-002")
    assert status is not None
    job = json.loads(status.input) if isinstance(status.input, str) else status.input
    assert job["closing"] is True


def test_post_delta_opens_the_window_of_a_completed_run_and_starts_a_pass(
    host: DurableHost,
) -> None:
    run_id = make_run("completed")
    body = {"window_hours": 24, "cadence_minutes": 30, "drop": {"prefix": "drops/clinic"}}
    code, body = post(host, "open_delta", run_id, body)
    assert code == 202, body
    assert body["started"] and body["pass"] == "delta-001"
    run = dependencies.run_store().get(run_id)
    assert run.state == "delta_open" and run.delta_window is not None
    assert run.delta_window.drop_prefix == "drops/clinic"
    assert run.delta_window.cadence_minutes == 30


@pytest.mark.parametrize(
    ("function", "state", "mode", "code"),
    [("open_delta", "sample_loaded", "sample", 409), ("open_delta", "loading", "full", 409),
     ("close_delta", "completed", "full", 409), ("fixback", "loading", "full", 409)],
)  # fmt: skip
def test_passes_are_refused_where_they_cannot_run(
    host: DurableHost, function: str, state: str, mode: str, code: int
) -> None:
    run_id = make_run(state, mode)
    assert post(host, function, run_id)[0] == code


def test_unknown_runs_are_404_and_callers_need_the_operator_role(host: DurableHost) -> None:
    assert post(host, "fixback", "run-nope")[0] == 404
    run_id = make_run("completed")
    assert post(host, "fixback", run_id, roles=("Migration.Reader",))[0] == 403


def test_close_requests_the_closing_pass_now(host: DurableHost) -> None:
    run_id = make_run("delta_open", window=window(due_in=timedelta(minutes=10)))
    code, body = post(host, "close_delta", run_id)
    assert code == 202 and body["closing"] is True, body
    assert dependencies.run_store().get(run_id).delta_window.close_requested  # type: ignore[union-attr]


def test_fixback_waits_for_the_window_once_delta_passes_changed_records(
    host: DurableHost,
) -> None:
    run_id = make_run("delta_open", window=window(due_in=timedelta(minutes=10)))
    wrote = PassRecord(pass_id="delta-001", state="completed", finished_at=datetime.now(UTC),
                       written={"updated": 3})  # fmt: skip
    dependencies.run_store().record_pass(run_id, wrote)
    code, body = post(host, "fixback", run_id)
    assert code == 409 and "close the delta window" in body["error"], body
