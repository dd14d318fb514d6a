"""Portal API: start a run, read its status, proposal and reports, confirm its map, cancel it.

Routes answer with our own URLs only; Durable system-key URLs never leave the app. Every body is
validated (400 names the fields), unknown runs are 404, and roles come from the Entra principal.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any, Literal

import azure.durable_functions as df
import azure.functions as func
from pydantic import BaseModel, ConfigDict

from api import dependencies
from api.principal import READER_ROLES, Forbidden, Role, Unauthenticated, require_role
from api.responses import bad_request, error, json_response, read_json_body, report_response
from orchestrators import names
from shared.ledger import RunRecord
from shared.mapping.loader import MapError
from shared.pipeline.messages import DestinationRef, ExportLocation, RunOptions, StartRun
from shared.pipeline.proposal import confirm_run_map
from shared.pipeline.reports import REPORT_NAMES, report_blob_name

bp = df.Blueprint()


class StartRequest(BaseModel):
    """What the portal sends to start a run."""

    model_config = ConfigDict(extra="forbid")

    source_system: Literal["aerona", "drdentes", "core_practice", "generic_csv"]
    export: ExportLocation
    destination: DestinationRef = DestinationRef()
    mode: Literal["sample", "full"] = "sample"
    options: RunOptions = RunOptions()


def _status_url(run_id: str) -> str:
    return f"/api/migrations/{run_id}"


def _known_run(run_id: str) -> RunRecord | None:
    try:
        return dependencies.run_store().get(run_id)
    except KeyError:
        return None


def _guarded(role: Role | tuple[Role, ...], req: func.HttpRequest
             ) -> tuple[str | None, func.HttpResponse | None]:  # fmt: skip
    try:
        return require_role(req, role).name, None
    except Unauthenticated as exc:
        return None, error(401, str(exc))
    except Forbidden as exc:
        return None, error(403, str(exc))


@bp.route(route="migrations", methods=["POST"])
@bp.durable_client_input(client_name="client")
async def start_migration(req: func.HttpRequest, client: df.DurableOrchestrationClient
                          ) -> func.HttpResponse:  # fmt: skip
    """Validates the request, records the run and starts its orchestration (202)."""
    caller, denied = _guarded("Migration.Operator", req)
    if denied:
        return denied
    try:
        request = StartRequest.model_validate(read_json_body(req))
    except ValueError as exc:
        return bad_request(exc)
    run_id = f"run-{uuid.uuid4().hex[:16]}"
    start = StartRun(run_id=run_id, started_by=caller or "unknown", **request.model_dump())
    now = datetime.now(UTC)
    dependencies.run_store().create(
        RunRecord(
            run_id=run_id, source_system=start.source_system,
            destination_kind=start.destination.kind, environment=start.destination.environment,
            mode=start.mode, started_by=start.started_by, created_at=now, updated_at=now,
        )
    )  # fmt: skip
    await client.start_new(names.MIGRATION, instance_id=run_id,
                           client_input=start.model_dump(mode="json"))  # fmt: skip
    body = {"id": run_id, "statusUrl": _status_url(run_id)}
    return json_response(body, 202, Location=_status_url(run_id), **{"Retry-After": "10"})


@bp.route(route="migrations/{run_id}", methods=["GET"])
@bp.durable_client_input(client_name="client")
async def migration_status(req: func.HttpRequest, client: df.DurableOrchestrationClient
                           ) -> func.HttpResponse:  # fmt: skip
    """The run's state, counters and the orchestration's progress."""
    _, denied = _guarded(READER_ROLES, req)
    if denied:
        return denied
    run_id = req.route_params["run_id"]
    run = _known_run(run_id)
    if run is None:
        return error(404, "no such migration run")
    status = await client.get_status(run_id)
    runtime = getattr(status, "runtime_status", None)
    body: dict[str, Any] = {
        "id": run_id,
        "state": run.state,
        "reason": run.reason,
        "mode": run.mode,
        "sourceSystem": run.source_system,
        "destination": {"kind": run.destination_kind, "environment": run.environment},
        "confirmedMapHash": run.confirmed_map_hash,
        "counters": run.counters,
        "runtimeStatus": runtime.value if runtime is not None else None,
        "progress": getattr(status, "custom_status", None),
        "createdAt": run.created_at,
        "updatedAt": run.updated_at,
    }
    return json_response(body)


@bp.route(route="migrations/{run_id}/reports/{name}", methods=["GET"])
async def migration_report(req: func.HttpRequest) -> func.HttpResponse:
    """One of the run's reports (a fixed list of names: no paths, no traversal)."""
    _, denied = _guarded(READER_ROLES, req)
    if denied:
        return denied
    run_id, name = req.route_params["run_id"], req.route_params["name"]
    if name not in REPORT_NAMES:
        return error(404, "no such report", available=sorted(REPORT_NAMES))
    if _known_run(run_id) is None:
        return error(404, "no such migration run")
    try:
        data = dependencies.staging().read_bytes(
            report_blob_name(run_id, name), container="reports"
        )
    except KeyError:
        return error(404, "the report has not been written yet")
    return report_response(data, REPORT_NAMES[name])


@bp.route(route="migrations/{run_id}/proposal", methods=["GET"])
async def migration_proposal(req: func.HttpRequest) -> func.HttpResponse:
    """The proposed map for review (JSON)."""
    _, denied = _guarded(READER_ROLES, req)
    if denied:
        return denied
    run_id = req.route_params["run_id"]
    if _known_run(run_id) is None:
        return error(404, "no such migration run")
    try:
        data = dependencies.staging().read_bytes(
            report_blob_name(run_id, "proposal.json"), container="reports"
        )
    except KeyError:
        return error(404, "the proposal has not been written yet")
    return json_response(json.loads(data))


class ConfirmRequest(BaseModel):
    """The reviewer's decision: confirm the proposal as is, or an edited map."""

    model_config = ConfigDict(extra="forbid")

    map: dict[str, Any] | None = None


@bp.route(route="migrations/{run_id}/confirm", methods=["POST"])
@bp.durable_client_input(client_name="client")
async def confirm_migration_map(req: func.HttpRequest, client: df.DurableOrchestrationClient
                                ) -> func.HttpResponse:  # fmt: skip
    """Confirms the run's map (stored with its sha256 and the approver) and lets the run go on."""
    caller, denied = _guarded("Migration.Approver", req)
    if denied:
        return denied
    run_id = req.route_params["run_id"]
    run = _known_run(run_id)
    if run is None:
        return error(404, "no such migration run")
    if run.state != "awaiting_confirmation":
        return error(409, f"the run is {run.state}, not awaiting confirmation")
    try:
        request = ConfirmRequest.model_validate(read_json_body(req, required=False))
        confirmation = confirm_run_map(run_id, dependencies.staging(), caller or "unknown",
                                       request.map)  # fmt: skip
    except MapError as exc:
        fields = [{"field": path or "(map)", "message": message} for path, message in exc.problems]
        return error(400, "the map is not valid", fields=fields)
    except ValueError as exc:
        return bad_request(exc)
    await client.raise_event(run_id, names.MAP_CONFIRMED_EVENT,
                             confirmation.model_dump(mode="json"))  # fmt: skip
    return json_response({"id": run_id, "confirmedMapHash": confirmation.confirmed_map_hash,
                          "confirmedBy": confirmation.confirmed_by}, 202)  # fmt: skip


@bp.route(route="migrations/{run_id}/cancel", methods=["POST"])
@bp.durable_client_input(client_name="client")
async def cancel_migration(req: func.HttpRequest, client: df.DurableOrchestrationClient
                           ) -> func.HttpResponse:  # fmt: skip
    """Stops the run's orchestration and marks the run cancelled (rollback is a separate call)."""
    caller, denied = _guarded("Migration.Operator", req)
    if denied:
        return denied
    run_id = req.route_params["run_id"]
    run = _known_run(run_id)
    if run is None:
        return error(404, "no such migration run")
    if run.state in ("completed", "rolled_back", "cancelled"):
        return error(409, f"the run is {run.state} and cannot be cancelled")
    await client.terminate(run_id, f"cancelled by {caller}")
    dependencies.run_store().transition(run_id, "cancelled", reason=f"cancelled by {caller}")
    return json_response({"id": run_id, "state": "cancelled"}, 202)


@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
async def health(req: func.HttpRequest) -> func.HttpResponse:
    """Liveness for the platform's health check; says nothing about runs."""
    return json_response({"status": "ok"})
