"""`load_pass`: a later pass of a finished run, a delta pickup or a fix-back.

select (delta: what a new export drop changed; fix-back: the reconciliation's gaps) -> plan ->
load levels through the same `load_table` path, map and audit as the run -> deactivate what the
source deleted -> account for the pass -> for a fix-back or the window's closing pass, reconcile
the whole run again. A pass whose drop did not change since the last one ends without a write.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import azure.durable_functions as df

from orchestrators import names
from orchestrators.loading import load_levels
from orchestrators.retry import RETRY_IO
from shared.pipeline.messages import (
    LoadPlan,
    LoadTableJob,
    PassJob,
    PassSelection,
    ReconcileResult,
    RunOptions,
    StartRun,
    TablePlan,
)

bp = df.Blueprint()


@bp.orchestration_trigger(context_name="context", orchestration=names.LOAD_PASS)
def load_pass(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    """Runs one pass (input: PassJob); returns what it found, wrote and whether it reconciled."""
    job = PassJob.model_validate(context.get_input())
    base = job.model_dump(mode="json")

    def stage(name: str, **details: Any) -> None:
        context.set_custom_status({"run_id": job.run_id, "pass_id": job.pass_id, "stage": name,
                                   **details})  # fmt: skip

    stage("selecting")
    started = yield context.call_activity_with_retry(names.SELECT_PASS, RETRY_IO, base)
    selection = PassSelection.model_validate(started["selection"])
    start = StartRun.model_validate(started["start"])
    if selection.skipped_reason and not job.closing:
        finished = yield context.call_activity_with_retry(
            names.FINISH_PASS, RETRY_IO, {"job": base, "selection": started["selection"]}
        )
        stage("skipped", reason=selection.skipped_reason)
        return {**finished, "pass_id": job.pass_id, "skipped": selection.skipped_reason}

    stage("planning")
    plan = LoadPlan.model_validate((yield context.call_activity_with_retry(
        names.PLAN_PASS, RETRY_IO, {"job": base, "selection": started["selection"]})))  # fmt: skip
    options = RunOptions.model_validate(start.options.model_dump())

    def job_for(table: TablePlan) -> LoadTableJob:
        return LoadTableJob(
            run_id=job.run_id, destination=start.destination, export_prefix=started["drop"],
            confirmed_map_hash=started["confirmed_map_hash"], operator=job.operator,
            mode=job.kind, plan=table, options=options, pass_id=job.pass_id,
            page_scope=job.page_scope,
        )  # fmt: skip

    def on_level(level: int, entries: list[str]) -> None:
        stage("loading", level=level + 1, levels=len(plan.levels), tables=entries)

    totals = yield from load_levels(
        context, plan, names.pass_instance_id(job.run_id, job.pass_id), job_for, on_level
    )
    stage("accounting")
    finish = {"job": base, "selection": started["selection"],
              "plan": plan.model_dump(mode="json"), "totals": totals}  # fmt: skip
    finished = yield context.call_activity_with_retry(names.FINISH_PASS, RETRY_IO, finish)
    reconciled: dict[str, Any] | None = None
    if job.kind == "fixback" or job.closing:
        stage("reconciling")
        result = yield context.call_activity_with_retry(names.RECONCILE_AFTER_PASS, RETRY_IO, base)
        reconciled = ReconcileResult.model_validate(result).model_dump(mode="json")
    stage(finished["state"])
    return {**finished, "pass_id": job.pass_id, "totals": totals, "reconciliation": reconciled}
