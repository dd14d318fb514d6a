"""Activities of the rollback orchestration: JSON in, JSON out, each a call into shared.rollback."""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from orchestrators.rollback import FINISH_ROLLBACK, PLAN_ROLLBACK, ROLLBACK_TABLE
from shared.ledger import clients
from shared.rollback import service
from shared.rollback.messages import RollbackRequest, RollbackStart, UnitResult
from shared.rollback.order import RollbackUnit

bp = df.Blueprint()
Payload = dict[str, Any]


@bp.activity_trigger(input_name="payload", activity=PLAN_ROLLBACK)
def plan_rollback(payload: Payload) -> Payload:
    """Marks the run rolling back; its tables, children first."""
    request = RollbackRequest.model_validate(payload)
    start = service.plan_rollback(
        request, clients.staging(), clients.audit_ledger(), clients.run_store()
    )
    return start.model_dump(mode="json")


@bp.activity_trigger(input_name="payload", activity=ROLLBACK_TABLE)
def rollback_table(payload: Payload) -> Payload:
    """Reverts one destination table (safe to repeat)."""
    result = service.rollback_unit(
        RollbackRequest.model_validate(payload["request"]),
        RollbackStart.model_validate(payload["start"]),
        RollbackUnit.model_validate(payload["unit"]),
        clients.staging(),
        clients.audit_ledger(),
    )
    return result.model_dump(mode="json")


@bp.activity_trigger(input_name="payload", activity=FINISH_ROLLBACK)
def finish_rollback(payload: Payload) -> Payload:
    """Proves the result from the destination, writes the report, sets the run's state."""
    summary = service.finish_rollback(
        RollbackRequest.model_validate(payload["request"]),
        RollbackStart.model_validate(payload["start"]),
        [UnitResult.model_validate(r) for r in payload["results"]],
        clients.staging(),
        clients.audit_ledger(),
        clients.run_store(),
    )
    return summary.model_dump(mode="json")
