"""Step 8 of a run: do the counts balance, source vs ledger vs the destination itself?

Per map entry, every staged record must be accounted for (written, unchanged, rejected, skipped
by a filter, or exported). Per destination table, the records stamped with this run id, counted
by the destination itself (not by our ledger), must equal what the ledger says this run created
or updated. Any difference is a gap with a reason the operator can read.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

from shared.destinations.base import Destination
from shared.ledger import AuditLedger, BlobStaging
from shared.pipeline.destination import with_destination
from shared.pipeline.load import DELETED_IN_SOURCE
from shared.pipeline.messages import ExtractResult, LoadPlan, ReconcileResult, StartRun
from shared.pipeline.reports import REPORT_NAMES, report_blob_name

STAMPED = ("created", "updated")


def account_entries(
    ledger: AuditLedger, run_id: str, pass_id: str, plan: LoadPlan,
    totals: dict[str, dict[str, int]], *, with_stamped: bool = True,
) -> tuple[list[dict[str, Any]], list[str], dict[str, set[str]]]:  # fmt: skip
    """Per planned entry, is every record this pass staged accounted for by this pass's rows?

    Also returns, per destination table, the keys any pass of the run created or updated (the
    records that must carry the run's stamp).
    """
    entries: list[dict[str, Any]] = []
    reasons: list[str] = []
    # Several entries may write one table (a patient's contact, then insurance merged onto it):
    # a record counts once however many entries touched it.
    stamped_by_table: dict[str, set[str]] = defaultdict(set)
    deactivating = {t.table for level in plan.levels for t in level if t.operation == "deactivate"}
    for level in plan.levels:
        for table in level:
            rows = list(ledger.rows(run_id, table.table, pass_id))
            if table.operation == "deactivate":  # its rows are told apart by their reason
                rows = [row for row in rows if row.reason_code == DELETED_IN_SOURCE]
            elif table.table in deactivating:
                rows = [row for row in rows if row.reason_code != DELETED_IN_SOURCE]
            ops = dict(Counter(row.operation for row in rows))
            counted = totals.get(table.totals_key, {})
            accounted = sum(ops.values()) + sum(
                n
                for name, n in counted.items()
                if name.startswith("skipped_") or name == "exported"
            )
            if table.operation != "export" and with_stamped:
                stamped_by_table[table.destination_table].update(
                    row.source_key
                    for row in ledger.rows(run_id, table.table)
                    if row.operation in STAMPED
                )
            entries.append(
                {"entry": table.table, "table": table.destination_table, "pass": pass_id,
                 "operation": table.operation, "staged": table.records, "ledger": ops,
                 "accounted": accounted}
            )  # fmt: skip
            if accounted != table.records:
                what = f"{table.table} ({table.operation})" if table.operation == "deactivate" \
                    else table.table  # fmt: skip
                reasons.append(f"{what}: {table.records} staged, {accounted} accounted for")
    return entries, reasons, stamped_by_table


def reconcile(
    start: StartRun, staging: BlobStaging, ledger: AuditLedger, extract: ExtractResult,
    plan: LoadPlan, totals: dict[str, dict[str, int]], load_seconds: float | None = None,
    passes: list[dict[str, Any]] | None = None,
) -> ReconcileResult:  # fmt: skip
    """Compares staged, loaded (ledger) and present (destination) counts; writes the report."""
    entries, reasons, stamped_by_table = account_entries(
        ledger, start.run_id, start.mode, plan, totals
    )

    async def count_all(destination: Destination) -> dict[str, int]:
        return {t: await destination.count(t, start.run_id) for t in stamped_by_table}

    present = with_destination(start.destination, count_all, scope=start.run_id)
    tables = []
    for name, keys in sorted(stamped_by_table.items()):
        expected = len(keys)
        tables.append({"table": name, "ledger_created_or_updated": expected,
                       "destination_stamped_with_run": present[name]})  # fmt: skip
        if present[name] != expected:
            reasons.append(f"{name}: ledger says {expected} written, destination has "
                           f"{present[name]} stamped with this run")  # fmt: skip
    report = {
        "run_id": start.run_id, "reconciled": not reasons, "reasons": reasons,
        "objects": {k: v.model_dump() for k, v in extract.objects.items()},
        "entries": entries, "tables": tables, "later_passes": passes or [],
        # The plan shown before the load, against what happened.
        "plan_vs_actual": {
            "records_planned": sum(t.records for level in plan.levels for t in level),
            "records_accounted": sum(e["accounted"] for e in entries),
            "estimated_seconds": plan.estimated_seconds, "load_seconds": load_seconds,
        },
    }  # fmt: skip
    blob = report_blob_name(start.run_id, "accounting.json")
    staging.write_bytes(blob, json.dumps(report, indent=2).encode(), container="reports",
                        content_type=REPORT_NAMES["accounting.json"])  # fmt: skip
    return ReconcileResult(reconciled=not reasons, gaps=len(reasons), report_blob=blob,
                           reasons=reasons)  # fmt: skip
