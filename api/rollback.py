"""POST /api/migrations/{id}/rollback: start (or resume) the one-click rollback of a run.

Body (optional): `{"on_conflict": "list" | "force" | "skip", "choices": {"<source key>": "force"}}`.
A record someone changed after the run is listed in the rollback report and left alone until the
operator chooses force or skip for it and posts again. Answers 202 with our own status URL.
"""

from __future__ import annotations

import azure.durable_functions as df
import azure.functions as func
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api import dependencies
from api.principal import Forbidden, Unauthenticated, require_role
from api.responses import error, json_response, read_json_body, validation_error
from orchestrators.rollback import ROLLBACK, instance_id
from shared.pipeline.messages import DestinationRef
from shared.rollback.messages import RollbackRequest
from shared.rollback.models import ConflictChoice

bp = df.Blueprint()
ROLLBACK_STATES = frozenset({"sample_loaded", "completed", "delta_open", "failed", "cancelled",
                             "rolling_back", "rolled_back"})  # fmt: skip
RUNNING = frozenset({"Running", "Pending", "ContinuedAsNew"})


class RollbackBody(BaseModel):
    """What the portal may send with a rollback."""

    model_config = ConfigDict(extra="forbid")

    on_conflict: ConflictChoice = "list"
    choices: dict[str, ConflictChoice] = Field(default_factory=dict, max_length=5000)


@bp.route(route="migrations/{run_id}/rollback", methods=["POST"])
@bp.durable_client_input(client_name="client")
async def rollback_migration(req: func.HttpRequest, client: df.DurableOrchestrationClient
                             ) -> func.HttpResponse:  # fmt: skip
    """Starts the run's rollback orchestration (202), or 409 while one is running."""
    try:
        caller = require_role(req, "Migration.Operator").name
    except Unauthenticated as exc:
        return error(401, str(exc))
    except Forbidden as exc:
        return error(403, str(exc))
    run_id = req.route_params["run_id"]
    try:
        run = dependencies.run_store().get(run_id)
    except KeyError:
        return error(404, "no such migration run")
    if run.state not in ROLLBACK_STATES:
        return error(409, f"a run in state {run.state} cannot be rolled back; cancel it first")
    try:
        body = RollbackBody.model_validate(read_json_body(req, required=False) or {})
    except ValidationError as exc:
        return validation_error(exc)
    except ValueError as exc:
        return error(400, str(exc))
    instance = instance_id(run_id)
    status = await client.get_status(instance)
    runtime = getattr(getattr(status, "runtime_status", None), "value", None)
    status_url = f"/api/migrations/{run_id}"
    if runtime in RUNNING:
        return error(409, "a rollback of this run is already running", statusUrl=status_url)
    request = RollbackRequest(
        run_id=run_id, operator=caller,
        destination=DestinationRef(kind=run.destination_kind, environment=run.environment),
        on_conflict=body.on_conflict, choices=body.choices,
    )  # fmt: skip
    await client.start_new(ROLLBACK, instance_id=instance,
                           client_input=request.model_dump(mode="json"))  # fmt: skip
    report = f"/api/migrations/{run_id}/reports/rollback.html"
    return json_response({"id": run_id, "rollback": instance, "statusUrl": status_url,
                          "reportUrl": report}, 202, Location=status_url)  # fmt: skip
