"""Activities of the delta window and of later passes: thin calls into shared.pipeline.passes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import azure.durable_functions as df

from orchestrators import names
from shared.ledger import clients
from shared.pipeline import passes
from shared.pipeline.messages import LoadPlan, PassJob, PassSelection, StartRun

bp = df.Blueprint()
Payload = dict[str, Any]


@bp.activity_trigger(input_name="payload", activity=names.OPEN_DELTA_WINDOW)
def open_delta_window(payload: Payload) -> Payload:
    """The full run's last step: the cutover window opens, its first pass due at once."""
    start = StartRun.model_validate(payload)
    window = passes.open_window(clients.run_store(), start, datetime.now(UTC))
    return window.model_dump(mode="json")


@bp.activity_trigger(input_name="payload", activity=names.SELECT_PASS)
def select_pass(payload: Payload) -> Payload:
    """What the pass loads: a drop's changes, or the last reconciliation's gaps."""
    return passes.start_pass(PassJob.model_validate(payload), clients.staging(),
                             clients.run_store(), clients.audit_ledger())  # fmt: skip


@bp.activity_trigger(input_name="payload", activity=names.PLAN_PASS)
def plan_pass(payload: Payload) -> Payload:
    """The pass's load plan (its staged records, then deactivations)."""
    plan = passes.plan_pass(
        PassJob.model_validate(payload["job"]), PassSelection.model_validate(payload["selection"]),
        clients.staging(), clients.run_store(),
    )  # fmt: skip
    return plan.model_dump(mode="json")


@bp.activity_trigger(input_name="payload", activity=names.FINISH_PASS)
def finish_pass(payload: Payload) -> Payload:
    """Accounts for the pass, records it in the run and moves the window on."""
    plan = LoadPlan.model_validate(payload["plan"]) if payload.get("plan") else None
    return passes.finish_pass(
        PassJob.model_validate(payload["job"]), PassSelection.model_validate(payload["selection"]),
        plan, payload.get("totals") or {}, clients.staging(), clients.audit_ledger(),
        clients.run_store(), datetime.now(UTC),
    )  # fmt: skip


@bp.activity_trigger(input_name="payload", activity=names.RECONCILE_AFTER_PASS)
def reconcile_after_pass(payload: Payload) -> Payload:
    """The whole run reconciled again (after a fix-back, or when the window closes)."""
    result = passes.reconcile_after_pass(
        PassJob.model_validate(payload), clients.staging(), clients.audit_ledger(),
        clients.run_store(),
    )  # fmt: skip
    return result.model_dump(mode="json")
