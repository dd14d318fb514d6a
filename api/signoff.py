"""POST /api/migrations/{id}/signoff: the reviewer accepts the sample's field-level diff.

Body (optional): `{"accept_mismatches": true}` to sign off a diff that still has mismatches
(each listed with its reason). Recorded on the run (who, when) and in the run's `signoff.json`.
"""

from __future__ import annotations

import azure.durable_functions as df
import azure.functions as func
from pydantic import BaseModel, ConfigDict, ValidationError

from api import dependencies
from api.principal import Forbidden, Unauthenticated, require_role
from api.responses import error, json_response, read_json_body, validation_error
from shared.trust.signoff import SignOffRefused, sign_off_sample

bp = df.Blueprint()


class SignOffBody(BaseModel):
    """What the portal may send with a sign-off."""

    model_config = ConfigDict(extra="forbid")

    accept_mismatches: bool = False


@bp.route(route="migrations/{run_id}/signoff", methods=["POST"])
async def sign_off_migration_sample(req: func.HttpRequest) -> func.HttpResponse:
    """Records the approver's sign-off of a loaded sample (200), or says why not (409)."""
    try:
        reviewer = require_role(req, "Migration.Approver").name
    except Unauthenticated as exc:
        return error(401, str(exc))
    except Forbidden as exc:
        return error(403, str(exc))
    run_id = req.route_params["run_id"]
    try:
        body = SignOffBody.model_validate(read_json_body(req, required=False) or {})
    except ValidationError as exc:
        return validation_error(exc)
    except ValueError as exc:
        return error(400, str(exc))
    try:
        record = sign_off_sample(run_id, reviewer, dependencies.staging(),
                                 dependencies.run_store(),
                                 accept_mismatches=body.accept_mismatches)  # fmt: skip
    except KeyError:
        return error(404, "no such migration run")
    except SignOffRefused as exc:
        return error(409, str(exc))
    return json_response(record.model_dump(mode="json"))
