"""The rollback's steps, called by thin Durable activities: plan, revert one table, finish.

Every step re-reads the destination, so a killed rollback started again carries on where the
destination is, and the finish step proves the result: per table, records still stamped with the
run (counted by the destination) and what a fresh plan would still have to do.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime

from shared.destinations.base import Destination
from shared.ledger import AuditLedger, BlobStaging, InvalidTransition, RunStore
from shared.pipeline.destination import with_destination
from shared.pipeline.reports import report_blob_name
from shared.rollback.messages import RollbackRequest, RollbackStart, RollbackSummary, UnitResult
from shared.rollback.models import TableRollback
from shared.rollback.order import RollbackUnit, rollback_units
from shared.rollback.plan import RollbackContext, plan_table
from shared.rollback.report import render_rollback_html
from shared.rollback.run import rollback_table

REPORTS = "reports"


def load_order(staging: BlobStaging, run_id: str) -> list[tuple[str, str]]:
    """(entry, destination table) in load order, from the run's plan report (empty if none)."""
    try:
        plan = json.loads(staging.read_bytes(report_blob_name(run_id, "plan.json"),
                                             container=REPORTS))  # fmt: skip
    except KeyError:
        return []
    return [
        (table["table"], table.get("destination_table") or table["table"])
        for level in plan.get("levels", [])
        for table in level
        if table.get("operation", "upsert") == "upsert"
    ]


def plan_rollback(
    request: RollbackRequest, staging: BlobStaging, ledger: AuditLedger, runs: RunStore
) -> RollbackStart:
    """Marks the run rolling back and lists its tables, children first."""
    run = runs.get(request.run_id)
    if run.state != "rolled_back":
        runs.transition(request.run_id, "rolling_back", reason=None)
    order = load_order(staging, request.run_id)
    units = rollback_units(order, ledger.tables_touched(request.run_id))
    return RollbackStart(units=units, started_at=run.created_at)


def _context(
    destination: Destination, request: RollbackRequest, start: RollbackStart,
    staging: BlobStaging, ledger: AuditLedger,
) -> RollbackContext:  # fmt: skip
    return RollbackContext(
        destination=destination,
        ledger=ledger, staging=staging, run_id=request.run_id, operator=request.operator,
        started_at=start.started_at, on_conflict=request.on_conflict, choices=request.choices,
    )  # fmt: skip


def outcome_blob_name(run_id: str, table: str) -> str:
    """Where one table's rollback outcome (conflicts and failures by key) is kept."""
    return f"{run_id}/rollback/{table}.json"


def rollback_unit(
    request: RollbackRequest, start: RollbackStart, unit: RollbackUnit,
    staging: BlobStaging, ledger: AuditLedger,
) -> UnitResult:  # fmt: skip
    """Reverts one destination table; the outcome by key goes to a staging blob."""

    async def work(destination: Destination) -> TableRollback:
        context = _context(destination, request, start, staging, ledger)
        return await rollback_table(context, unit.table, unit.entries)

    outcome = with_destination(request.destination, work)
    blob = outcome_blob_name(request.run_id, unit.table)
    body = outcome.model_dump(mode="json") | {"complete": outcome.complete}
    staging.write_bytes(blob, json.dumps(body).encode(), content_type="application/json")
    return UnitResult(
        table=unit.table, deleted=outcome.deleted, restored=outcome.restored,
        already_done=outcome.already_done, skipped=outcome.skipped, untracked=outcome.untracked,
        failed=len(outcome.failed), conflicts=len(outcome.conflicts), outcome_blob=blob,
    )  # fmt: skip


def finish_rollback(
    request: RollbackRequest, start: RollbackStart, results: Sequence[UnitResult],
    staging: BlobStaging, ledger: AuditLedger, runs: RunStore,
) -> RollbackSummary:  # fmt: skip
    """Proves the result from the destination, writes the report and sets the run's state."""

    async def verify(destination: Destination) -> tuple[dict[str, int], dict[str, int]]:
        check = request.model_copy(update={"on_conflict": "list", "choices": {}})
        context = _context(destination, check, start, staging, ledger)
        stamped, todo = {}, {}
        for unit in start.units:
            stamped[unit.table] = await destination.count(unit.table, request.run_id)
            plan = await plan_table(context, unit.table, unit.entries)
            todo[unit.table] = len(plan.delete) + len(plan.restore) + len(plan.conflicts)
        return stamped, todo

    stamped, todo = with_destination(request.destination, verify)
    skipped = {r.table: r.skipped for r in results}
    conflicts = sum(r.conflicts for r in results)
    left = {t: n for t, n in todo.items() if n}
    state = "conflicts" if conflicts else "incomplete" if left else "rolled_back"
    reason = None
    if state == "conflicts":
        reason = f"{conflicts} record(s) changed after the run wait for force or skip"
    elif state == "incomplete":
        reason = "records remain to revert: " + ", ".join(f"{t} {n}" for t, n in left.items())
    summary = RollbackSummary(
        run_id=request.run_id, state=state, tables=list(results), stamped_left=stamped,
        left_to_do=todo, report_blob=f"{request.run_id}/rollback.html", reason=reason,
    )  # fmt: skip
    outcomes = [json.loads(staging.read_bytes(r.outcome_blob)) for r in results if r.outcome_blob]
    page = render_rollback_html(summary, outcomes, skipped)
    staging.write_bytes(summary.report_blob, page.encode(), container=REPORTS,
                        content_type="text/html; charset=utf-8")  # fmt: skip
    body = summary.model_dump(mode="json") | {"outcomes": outcomes}
    staging.write_bytes(f"{request.run_id}/rollback.json", json.dumps(body, indent=1).encode(),
                        container=REPORTS, content_type="application/json")  # fmt: skip
    with contextlib.suppress(InvalidTransition):  # a rolled-back run verified again stays so
        runs.transition(
            request.run_id, "rolled_back" if state == "rolled_back" else "rolling_back",
            reason=reason,
        )  # fmt: skip
    window = runs.get(request.run_id).delta_window
    if state == "rolled_back" and window is not None and window.is_open:  # no pass after this
        runs.set_window(request.run_id, window.model_copy(update={"closed_at": datetime.now(UTC)}))
    return summary
