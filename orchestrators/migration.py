"""`migration`: one run from export to reconciled destination, with a person's confirmation gate.

extract + profile -> propose map -> wait for confirmation (raced with a deadline) -> schema gate ->
owner gate -> plan -> load tables level by level (a level's tables in parallel) -> reconcile.
The orchestrator only yields context calls; activities do the I/O and keep the run's state.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from typing import Any

import azure.durable_functions as df

from orchestrators import names
from orchestrators.loading import load_levels
from orchestrators.retry import RETRY_IO
from shared.pipeline.messages import (
    ExtractResult,
    GateResult,
    LoadPlan,
    LoadTableJob,
    MapConfirmation,
    ProposalResult,
    ReconcileResult,
    StartRun,
    TablePlan,
)

bp = df.Blueprint()


class _Progress:
    """Keeps the custom status small (<16 KB): stage, what we wait for, counters only."""

    def __init__(self, context: df.DurableOrchestrationContext, run_id: str) -> None:
        self._context = context
        self._status: dict[str, Any] = {"run_id": run_id}

    def stage(self, stage: str, **details: Any) -> None:
        self._status = {"run_id": self._status["run_id"], "stage": stage, **details}
        self._context.set_custom_status(self._status)


def _state(run: StartRun, state: str, reason: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"run_id": run.run_id, "state": state, "reason": reason, **extra}


def _fail(
    context: df.DurableOrchestrationContext, run: StartRun, progress: _Progress, reason: str
) -> Generator[Any, Any, dict[str, Any]]:
    progress.stage("failed", reason=reason)
    yield context.call_activity_with_retry(
        names.SET_RUN_STATE, RETRY_IO, _state(run, "failed", reason)
    )
    return {"run_id": run.run_id, "state": "failed", "reason": reason}


def _wait_for_confirmation(
    context: df.DurableOrchestrationContext, run: StartRun, proposal: ProposalResult,
    progress: _Progress,
) -> Generator[Any, Any, MapConfirmation | None]:  # fmt: skip
    if run.options.auto_confirm:
        confirmed = yield context.call_activity_with_retry(
            names.CONFIRM_MAP_AUTOMATICALLY,
            RETRY_IO,
            {"run_id": run.run_id, "proposal_blob": proposal.proposal_blob,
             "confirmed_by": f"auto-confirm for {run.started_by}"},
        )  # fmt: skip
        return MapConfirmation.model_validate(confirmed)
    deadline_at = context.current_utc_datetime + timedelta(hours=run.options.confirm_deadline_hours)
    progress.stage(
        "awaiting_confirmation",
        waiting_for=f"a person to confirm the proposed map (event {names.MAP_CONFIRMED_EVENT})",
        proposal_blob=proposal.proposal_markdown_blob,
        fields_to_review=proposal.fields_to_review,
        deadline=deadline_at.isoformat(),
    )
    event = context.wait_for_external_event(names.MAP_CONFIRMED_EVENT)
    deadline = context.create_timer(deadline_at)
    winner = yield context.task_any([event, deadline])
    if winner == deadline:
        return None
    deadline.cancel()
    return MapConfirmation.model_validate(event.result)


@bp.orchestration_trigger(context_name="context", orchestration=names.MIGRATION)
def migration(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    """Runs one migration; returns a summary of counts per table and the reconciliation verdict."""
    run = StartRun.model_validate(context.get_input())
    progress = _Progress(context, run.run_id)
    base = run.model_dump(mode="json")

    progress.stage("profiling")
    yield context.call_activity_with_retry(names.SET_RUN_STATE, RETRY_IO, _state(run, "profiling"))
    extract = ExtractResult.model_validate(
        (yield context.call_activity_with_retry(names.EXTRACT_EXPORT, RETRY_IO, base))
    )

    progress.stage("proposing_map")
    proposal = ProposalResult.model_validate(
        (yield context.call_activity_with_retry(names.PROPOSE_MAP, RETRY_IO, base))
    )
    yield context.call_activity_with_retry(
        names.SET_RUN_STATE, RETRY_IO, _state(run, "awaiting_confirmation")
    )
    confirmation = yield from _wait_for_confirmation(context, run, proposal, progress)
    if confirmation is None:
        return (yield from _fail(context, run, progress, "confirmation deadline passed"))

    gated = {
        **base,
        "confirmed_map_hash": confirmation.confirmed_map_hash,
        "extract": extract.model_dump(mode="json"),
    }
    progress.stage("checking_schema", confirmed_map_hash=confirmation.confirmed_map_hash)
    yield context.call_activity_with_retry(
        names.SET_RUN_STATE, RETRY_IO,
        _state(run, "preparing", confirmed_map_hash=confirmation.confirmed_map_hash),
    )  # fmt: skip
    schema = GateResult.model_validate(
        (yield context.call_activity_with_retry(names.CHECK_SCHEMA, RETRY_IO, gated))
    )
    if not schema.passed:
        missing = ", ".join(schema.missing[:20])
        return (yield from _fail(context, run, progress, f"destination schema missing: {missing}"))

    progress.stage("resolving_owners")
    owners = GateResult.model_validate(
        (yield context.call_activity_with_retry(names.RESOLVE_OWNERS, RETRY_IO, gated))
    )
    if not owners.passed:
        return (yield from _fail(context, run, progress, "; ".join(owners.missing[:5])))

    plan = LoadPlan.model_validate(
        (yield context.call_activity_with_retry(names.PLAN_LOAD, RETRY_IO, gated))
    )
    yield context.call_activity_with_retry(names.SET_RUN_STATE, RETRY_IO, _state(run, "loading"))
    load_started = context.current_utc_datetime

    def job_for(table: TablePlan) -> LoadTableJob:
        return LoadTableJob(
            run_id=run.run_id, destination=run.destination, export_prefix=run.export.prefix,
            confirmed_map_hash=confirmation.confirmed_map_hash, operator=run.started_by,
            mode=run.mode, plan=table, options=run.options,
        )  # fmt: skip

    def on_level(level: int, entries: list[str]) -> None:
        progress.stage("loading", level=level + 1, levels=len(plan.levels), tables=entries,
                       estimate_seconds=plan.estimated_seconds)  # fmt: skip

    tables = yield from load_levels(context, plan, context.instance_id, job_for, on_level)

    diff: dict[str, Any] | None = None
    if run.mode == "sample":
        progress.stage("diffing_sample")
        diff = yield context.call_activity_with_retry(names.DIFF_SAMPLE, RETRY_IO, gated)

    progress.stage("reconciling")
    yield context.call_activity_with_retry(
        names.SET_RUN_STATE, RETRY_IO, _state(run, "reconciling")
    )
    load_seconds = (context.current_utc_datetime - load_started).total_seconds()
    reconcile_input = {**gated, "plan": plan.model_dump(mode="json"), "totals": tables,
                       "load_seconds": load_seconds}  # fmt: skip
    reconcile = ReconcileResult.model_validate(
        (yield context.call_activity_with_retry(names.RECONCILE, RETRY_IO, reconcile_input))
    )
    final = "sample_loaded" if run.mode == "sample" else "completed"
    if run.mode == "full" and run.options.delta_window_hours:  # cutover changes come next
        yield context.call_activity_with_retry(names.OPEN_DELTA_WINDOW, RETRY_IO, base)
        final = "delta_open"
    reason = None if reconcile.reconciled else "; ".join(reconcile.reasons[:5])
    yield context.call_activity_with_retry(
        names.SET_RUN_STATE, RETRY_IO, _state(run, final, reason)
    )
    progress.stage(final, reconciled=reconcile.reconciled, gaps=reconcile.gaps)
    return {
        "run_id": run.run_id,
        "state": final,
        "reconciled": reconcile.reconciled,
        "gaps": reconcile.gaps,
        "objects": {k: v.model_dump() for k, v in extract.objects.items()},
        "tables": tables,
        "diff": diff["summary"] if diff else None,
        "reports": {
            "quality": extract.quality_report_blob,
            "proposal": proposal.proposal_markdown_blob,
            "schema": schema.report_blob,
            "owners": owners.report_blob,
            "plan": plan.report_blob,
            "reconciliation": reconcile.report_blob,
            "diff": diff["report_blob"] if diff else None,
        },
    }
