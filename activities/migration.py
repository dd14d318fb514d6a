"""Activities of a migration run: JSON in, JSON out, each a thin call into shared.pipeline."""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from orchestrators import names
from shared.ledger import clients
from shared.pipeline import extract, gates, load, plan, proposal, trust
from shared.pipeline.messages import (
    ExtractResult,
    LoadBatch,
    LoadPlan,
    StartRun,
)

bp = df.Blueprint()
Payload = dict[str, Any]


@bp.activity_trigger(input_name="payload", activity=names.SET_RUN_STATE)
def set_run_state(payload: Payload) -> Payload:
    """Moves the run row to the orchestration's stage (repeating a state is allowed)."""
    updates = {"confirmed_map_hash": payload["confirmed_map_hash"]} if payload.get(
        "confirmed_map_hash") else {}  # fmt: skip
    run = clients.run_store().transition(
        payload["run_id"], payload["state"], reason=payload.get("reason"), **updates
    )
    return {"run_id": run.run_id, "state": run.state}


@bp.activity_trigger(input_name="payload", activity=names.EXTRACT_EXPORT)
def extract_export(payload: Payload) -> Payload:
    """Reads, profiles and stages the export."""
    start = StartRun.model_validate(payload)
    return extract.extract_export(start, clients.staging()).model_dump(mode="json")


@bp.activity_trigger(input_name="payload", activity=names.PROPOSE_MAP)
def propose_map(payload: Payload) -> Payload:
    """Writes the proposed map for review."""
    start = StartRun.model_validate(payload)
    return proposal.propose_map(start, clients.staging()).model_dump(mode="json")


@bp.activity_trigger(input_name="payload", activity=names.CONFIRM_MAP_AUTOMATICALLY)
def confirm_map_automatically(payload: Payload) -> Payload:
    """Demo / unattended runs only: confirms the proposal as is, naming who asked for that."""
    confirmation = proposal.confirm_run_map(
        payload["run_id"], clients.staging(), payload["confirmed_by"]
    )
    return confirmation.model_dump(mode="json")


def _start(payload: Payload) -> tuple[StartRun, str]:
    fields = {k: v for k, v in payload.items() if k in StartRun.model_fields}
    return StartRun.model_validate(fields), str(payload["confirmed_map_hash"])


@bp.activity_trigger(input_name="payload", activity=names.CHECK_SCHEMA)
def check_schema(payload: Payload) -> Payload:
    """Schema gate: plan (apply when allowed) and report what is missing."""
    start, map_hash = _start(payload)
    return gates.check_schema(start, map_hash, clients.staging()).model_dump(mode="json")


@bp.activity_trigger(input_name="payload", activity=names.RESOLVE_OWNERS)
def resolve_owners(payload: Payload) -> Payload:
    """Owner gate: staff e-mails to active users, fallback owner validated."""
    start, map_hash = _start(payload)
    staff_pages = ExtractResult.model_validate(payload["extract"]).objects.get("staff")
    result = gates.resolve_owners(
        start, map_hash, clients.staging(), staff_pages.pages if staff_pages else 0
    )
    return result.model_dump(mode="json")


@bp.activity_trigger(input_name="payload", activity=names.PLAN_LOAD)
def plan_load(payload: Payload) -> Payload:
    """The load plan with estimates."""
    start, map_hash = _start(payload)
    extracted = ExtractResult.model_validate(payload["extract"])
    return plan.plan_load(start, map_hash, clients.staging(), extracted).model_dump(mode="json")


@bp.activity_trigger(input_name="payload", activity=names.LOAD_BATCH)
def load_batch(payload: Payload) -> Payload:
    """One staged page into one table."""
    batch = LoadBatch.model_validate(payload)
    result = load.load_batch(batch, clients.staging(), clients.audit_ledger())
    return result.model_dump(mode="json")


@bp.activity_trigger(input_name="payload", activity=names.RECONCILE)
def reconcile(payload: Payload) -> Payload:
    """Counts source vs ledger vs destination, and the map's declared totals."""
    start, map_hash = _start(payload)
    totals: dict[str, dict[str, int]] = payload["totals"]
    result = trust.reconcile_run(
        start, map_hash, clients.staging(), clients.audit_ledger(),
        ExtractResult.model_validate(payload["extract"]),
        LoadPlan.model_validate(payload["plan"]), totals, payload.get("load_seconds"),
    )  # fmt: skip
    counters: dict[str, int] = {}
    for counts in totals.values():
        for outcome, n in counts.items():
            counters[outcome] = counters.get(outcome, 0) + n
    clients.run_store().set_counters(start.run_id, counters)
    return result.model_dump(mode="json")


@bp.activity_trigger(input_name="payload", activity=names.DIFF_SAMPLE)
def diff_sample(payload: Payload) -> Payload:
    """The sample's field-level diff, for the reviewer's sign-off."""
    start, map_hash = _start(payload)
    return trust.diff_sample(start, map_hash, clients.staging(), clients.audit_ledger())
