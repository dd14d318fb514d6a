"""The delta window's timer and routes, and the fix-back route.

`delta_tick` (NCRONTAB in `CLINICFERRY_DELTA_SCHEDULE`, e.g. `0 */15 * * * *`) finds open windows
that are due and starts one `load_pass` per window. The pass's instance id is deterministic
(`<run>:delta-NNN`, numbered by the passes the run has recorded), so two ticks that pick the same
pass start it once, and a tick that finds it still running skips instead of doubling it.

POST /api/migrations/{id}/delta          opens (or re-times) the window; a pass is due at once
POST /api/migrations/{id}/delta/close    the next pass is the closing one (final reconciliation)
POST /api/migrations/{id}/fixback        reloads what the last reconciliation found missing
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, Literal

import azure.durable_functions as df
import azure.functions as func
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api import dependencies
from api.principal import Forbidden, Unauthenticated, require_role
from api.responses import error, json_response, read_json_body, validation_error
from orchestrators import names
from shared.ledger import RunRecord
from shared.pipeline.extract import load_run_start
from shared.pipeline.messages import ExportLocation, PassJob, PassKind
from shared.pipeline.passes import (
    PassRefused,
    close_requested,
    fixback_refusal,
    next_pass_id,
    open_window,
)

bp = df.Blueprint()
logger = logging.getLogger(__name__)

SCHEDULE_SETTING = "CLINICFERRY_DELTA_SCHEDULE"
RUNNING = frozenset({"Running", "Pending", "ContinuedAsNew"})
TIMER_OPERATOR = "delta timer"


class DeltaBody(BaseModel):
    """What the portal may send when opening the window (all optional)."""

    model_config = ConfigDict(extra="forbid")

    window_hours: int | None = Field(default=None, ge=1, le=168)
    cadence_minutes: int | None = Field(default=None, ge=5, le=1440)
    drop: ExportLocation | None = None  # where the clinic uploads new export drops
    on_source_delete: Literal["deactivate", "report"] | None = None


async def start_pass(client: df.DurableOrchestrationClient, run: RunRecord, kind: PassKind,
                     operator: str) -> dict[str, Any]:  # fmt: skip
    """Starts the run's next pass of `kind` unless that very pass is already running."""
    window = run.delta_window
    closing = kind == "delta" and window is not None and (
        window.close_requested or datetime.now(UTC) >= window.ends_at)  # fmt: skip
    job = PassJob(run_id=run.run_id, pass_id=next_pass_id(run, kind), kind=kind,
                  operator=operator, closing=closing)  # fmt: skip
    instance = names.pass_instance_id(run.run_id, job.pass_id)
    status = await client.get_status(instance)
    runtime = getattr(getattr(status, "runtime_status", None), "value", None)
    if runtime in RUNNING:
        return {"pass": job.pass_id, "instance": instance, "started": False,
                "reason": "this pass is already running"}  # fmt: skip
    await client.start_new(names.LOAD_PASS, instance_id=instance,
                           client_input=job.model_dump(mode="json"))  # fmt: skip
    return {"pass": job.pass_id, "instance": instance, "started": True, "closing": closing}


async def start_due_passes(client: df.DurableOrchestrationClient,
                           now: datetime) -> list[dict[str, Any]]:  # fmt: skip
    """One pass per open window that is due (the timer's whole job)."""
    started = []
    for run in dependencies.run_store().list("delta_open"):
        window = run.delta_window
        if window is None or not window.due(now):
            continue
        started.append({"run_id": run.run_id,
                        **await start_pass(client, run, "delta", TIMER_OPERATOR)})  # fmt: skip
    return started


@bp.timer_trigger(arg_name="timer", schedule=f"%{SCHEDULE_SETTING}%", run_on_startup=False,
                  use_monitor=True)  # fmt: skip
@bp.durable_client_input(client_name="client")
async def delta_tick(timer: func.TimerRequest, client: df.DurableOrchestrationClient) -> None:
    """Starts the passes that are due; a pass still running is skipped, never doubled."""
    started = await start_due_passes(client, datetime.now(UTC))
    logger.info("delta tick: %d due windows, %d passes started, past due %s", len(started),
                sum(1 for s in started if s["started"]), timer.past_due)  # fmt: skip


def _operator_and_run(req: func.HttpRequest) -> tuple[str, RunRecord] | func.HttpResponse:
    """The calling operator and the route's run, or the 401 / 403 / 404 to answer instead."""
    try:
        operator = require_role(req, "Migration.Operator").name
    except Unauthenticated as exc:
        return error(401, str(exc))
    except Forbidden as exc:
        return error(403, str(exc))
    try:
        return operator, dependencies.run_store().get(req.route_params["run_id"])
    except KeyError:
        return error(404, "no such migration run")


def _accepted(run_id: str, body: dict[str, Any]) -> func.HttpResponse:
    return json_response({"id": run_id, **body}, 202, Location=f"/api/migrations/{run_id}")


@bp.route(route="migrations/{run_id}/delta", methods=["POST"])
@bp.durable_client_input(client_name="client")
async def open_delta(req: func.HttpRequest, client: df.DurableOrchestrationClient
                     ) -> func.HttpResponse:  # fmt: skip
    """Opens (or re-times) the delta window of a completed full run and starts a pass (202)."""
    found = _operator_and_run(req)
    if isinstance(found, func.HttpResponse):
        return found
    operator, run = found
    if run.state not in ("completed", "delta_open"):
        return error(409, f"a run in state {run.state} has no delta window to open")
    try:
        body = DeltaBody.model_validate(read_json_body(req, required=False) or {})
    except ValidationError as exc:
        return validation_error(exc)
    except ValueError as exc:
        return error(400, str(exc))
    store = dependencies.run_store()
    try:
        start = load_run_start(dependencies.staging(), run.run_id)
        window = open_window(store, start, datetime.now(UTC), hours=body.window_hours,
                             cadence_minutes=body.cadence_minutes,
                             drop_prefix=body.drop.prefix if body.drop else None,
                             on_source_delete=body.on_source_delete)  # fmt: skip
    except PassRefused as exc:
        return error(409, str(exc))
    started = await start_pass(client, store.get(run.run_id), "delta", operator)
    return _accepted(run.run_id, {"window": window.model_dump(mode="json"), **started})


@bp.route(route="migrations/{run_id}/delta/close", methods=["POST"])
@bp.durable_client_input(client_name="client")
async def close_delta(req: func.HttpRequest, client: df.DurableOrchestrationClient
                      ) -> func.HttpResponse:  # fmt: skip
    """Closes the window now: a last pass, then the final reconciliation (202)."""
    found = _operator_and_run(req)
    if isinstance(found, func.HttpResponse):
        return found
    operator, run = found
    store = dependencies.run_store()
    try:
        close_requested(store, run.run_id)
    except PassRefused as exc:
        return error(409, str(exc))
    started = await start_pass(client, store.get(run.run_id), "delta", operator)
    return _accepted(run.run_id, started)


@bp.route(route="migrations/{run_id}/fixback", methods=["POST"])
@bp.durable_client_input(client_name="client")
async def fixback(req: func.HttpRequest, client: df.DurableOrchestrationClient
                  ) -> func.HttpResponse:  # fmt: skip
    """Reloads what the last reconciliation listed as missing or different, then reconciles."""
    found = _operator_and_run(req)
    if isinstance(found, func.HttpResponse):
        return found
    operator, run = found
    if run.state not in ("completed", "sample_loaded", "delta_open"):
        return error(409, f"a run in state {run.state} cannot be fixed back")
    refused = fixback_refusal(run)
    if refused:
        return error(409, refused)
    return _accepted(run.run_id, await start_pass(client, run, "fixback", operator))
