"""The sample's diff from what a run leaves behind: staged pages, the confirmed map, the ledger.

Transforms are deterministic for a run (its context is fixed), so re-running the compiled map
over the staged sample gives exactly the rows the load step wrote; the ledger says which the
destination refused and why. This is the one call the migration's sample step needs.
"""

from __future__ import annotations

from shared.ledger import AuditLedger, BlobStaging
from shared.mapping.compiler import CompiledMap
from shared.reconcile.compute import staged_records
from shared.reports.diff import DiffDestination, DiffReport, SampleRow, field_diff
from shared.rollback.models import ROLLBACK_PASS


async def sample_diff(
    destination: DiffDestination,
    compiled: CompiledMap,
    staging: BlobStaging,
    ledger: AuditLedger,
    run_id: str,
) -> DiffReport:
    """Field-level diff of every record the sample run wrote (upsert entries, in load order).

    Args:
        destination: where the sample was loaded.
        compiled: the run's confirmed map compiled with the run's context.
        staging: the run's staged sample pages.
        ledger: the audit ledger (rows per map entry).
        run_id: the sample run.

    Returns:
        The diff; store it with `shared.reports.store.store_diff`.
    """
    sample: list[SampleRow] = []
    rejected: dict[str, str] = {}
    for name in compiled.order:
        entry = compiled.tables[name]
        if entry.source_kind is None or entry.operation != "upsert":
            continue
        for audit in ledger.rows(run_id, name):
            if audit.operation == "rejected" and audit.pass_id != ROLLBACK_PASS:
                rejected[audit.source_key] = audit.reason_code or "rejected"
        records = list(staged_records(staging, run_id, entry.source_kind))
        by_key = {entry.key_of(record): record for record in records}
        for row in entry.transform(records).rows:
            sample.append(SampleRow(entry, by_key[row.key], row))
    return await field_diff(destination, sample, run_id=run_id, rejected=rejected)
