"""Roll back one table: delete what the run created, restore what it updated, audit every step."""

from __future__ import annotations

from collections.abc import Sequence

from shared.destinations.base import BeforeImage, RecordResult
from shared.ledger import AuditRow
from shared.rollback.models import ROLLBACK_PASS, TablePlan, TableRollback, Target
from shared.rollback.plan import RollbackContext, plan_table

CHUNK = 200  # records per destination call and per audited step

__all__ = ["RollbackContext", "rollback_table"]


async def rollback_table(
    context: RollbackContext, table: str, entries: Sequence[str] = ()
) -> TableRollback:
    """Plan and carry out the rollback of one table; safe to run again after a crash.

    Every chunk is audited right after the destination confirms it (pass `rollback`, operations
    `deleted` / `restored` / `skipped`). Conflicts the operator has not decided on stay listed
    in the outcome and their records are left untouched.

    Args:
        context: destination, ledger, staging, run id, operator and conflict choices.
        table: the destination table.
        entries: the map entries that wrote it (the ledger's names); default: the table's name.

    Returns:
        Counts, failures (key, reason code) and open conflicts.
    """
    plan = await plan_table(context, table, entries)
    outcome = TableRollback(table=table, already_done=plan.already_done)
    outcome.untracked = sum(not t.tracked for t in [*plan.delete, *plan.restore])
    skipped = [c for c in plan.conflicts if context.choice_for(c.key) != "list"]
    outcome.conflicts = [c for c in plan.conflicts if context.choice_for(c.key) == "list"]
    if skipped:
        _audit(context, plan, [(c.entry, c.key, c.destination_id, "skipped", c.reason)
                               for c in skipped])  # fmt: skip
        outcome.skipped = len(skipped)
    for start in range(0, len(plan.delete), CHUNK):
        chunk = plan.delete[start : start + CHUNK]
        ids = [t.destination_id for t in chunk if t.destination_id]
        results = await context.destination.delete(table, ids) if ids else []
        outcome.deleted += _settle(context, plan, outcome, chunk, results, by_id=True)
    for start in range(0, len(plan.restore), CHUNK):
        chunk = plan.restore[start : start + CHUNK]
        images = [
            BeforeImage(key=t.key, id=t.destination_id, values=t.before_image or {})
            for t in chunk
            if t.destination_id
        ]
        results = await context.destination.restore(table, images)
        outcome.restored += _settle(context, plan, outcome, chunk, results, by_id=False)
    return outcome


def _settle(
    context: RollbackContext,
    plan: TablePlan,
    outcome: TableRollback,
    chunk: Sequence[Target],
    results: Sequence[RecordResult],
    *,
    by_id: bool,
) -> int:
    """Audits a confirmed chunk; returns how many records it reverted."""
    found = {(r.id if by_id else r.key): r for r in results}
    done: list[tuple[str, str, str | None, str, str | None]] = []
    for target in chunk:
        result = found.get(target.destination_id if by_id else target.key)
        if result is None or result.status == "rejected":
            reason = result.reason_code if result else "no_destination_id"
            outcome.failed.append({"key": target.key, "reason_code": reason})
            continue
        done.append((target.entry, target.key, target.destination_id, result.status, None))
    _audit(context, plan, done)
    return len(done)


def _audit(
    context: RollbackContext,
    plan: TablePlan,
    entries: Sequence[tuple[str, str, str | None, str, str | None]],
) -> None:
    context.ledger.record(
        AuditRow.model_validate(
            {
                "run_id": context.run_id,
                "table": entry or plan.ledger_name or plan.table,
                "source_key": key,
                "operation": operation,
                "pass_id": ROLLBACK_PASS,
                "destination_id": record_id,
                "reason_code": reason,
                "operator": context.operator,
                "confirmed_map_hash": plan.map_hash,
                "batch_id": f"{ROLLBACK_PASS}.{plan.table}",
            }
        )
        for entry, key, record_id, operation, reason in entries
    )
