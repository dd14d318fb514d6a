"""`rollback`: revert a run, children first: delete what it created, restore what it updated.

plan (tables from the run's load plan + the ledger) -> one activity per destination table, in
reverse load order -> finish (prove from the destination, write the report, set the run state).
Every activity re-reads the destination, so a rollback killed half way is simply started again.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import azure.durable_functions as df

from orchestrators.retry import RETRY_DESTINATION, RETRY_IO
from shared.rollback.messages import RollbackRequest, RollbackStart, UnitResult

ROLLBACK = "rollback"
PLAN_ROLLBACK = "plan_rollback"
ROLLBACK_TABLE = "rollback_table"
FINISH_ROLLBACK = "finish_rollback"
ROLLBACK_ACTIVITIES = (PLAN_ROLLBACK, ROLLBACK_TABLE, FINISH_ROLLBACK)

bp = df.Blueprint()


def instance_id(run_id: str) -> str:
    """The rollback orchestration of a run (one at a time; a finished one may be started again)."""
    return f"{run_id}:rollback"


@bp.orchestration_trigger(context_name="context", orchestration=ROLLBACK)
def rollback(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    """Reverts the run named in the input (a RollbackRequest); returns the RollbackSummary."""
    request = RollbackRequest.model_validate(context.get_input())
    base = request.model_dump(mode="json")
    context.set_custom_status({"run_id": request.run_id, "stage": "planning"})
    start = RollbackStart.model_validate(
        (yield context.call_activity_with_retry(PLAN_ROLLBACK, RETRY_IO, base))
    )
    results: list[dict[str, Any]] = []
    for index, unit in enumerate(start.units):  # in order: a child before its parent
        context.set_custom_status({"run_id": request.run_id, "stage": "reverting",
                                   "table": unit.table, "tables_done": index,
                                   "tables": len(start.units)})  # fmt: skip
        job = {"request": base, "start": start.model_dump(mode="json"),
               "unit": unit.model_dump(mode="json")}  # fmt: skip
        result = yield context.call_activity_with_retry(ROLLBACK_TABLE, RETRY_DESTINATION, job)
        results.append(UnitResult.model_validate(result).model_dump(mode="json"))
    context.set_custom_status({"run_id": request.run_id, "stage": "verifying"})
    finish = {"request": base, "start": start.model_dump(mode="json"), "results": results}
    summary: dict[str, Any] = yield context.call_activity_with_retry(
        FINISH_ROLLBACK, RETRY_DESTINATION, finish
    )
    context.set_custom_status({"run_id": request.run_id, "stage": summary["state"],
                               "reason": summary.get("reason")})  # fmt: skip
    return summary
