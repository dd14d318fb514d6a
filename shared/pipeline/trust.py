"""The trust steps of a run: the sample's field-level diff, and the final reconciliation.

The reconciliation combines two views: the pipeline's own accounting (every staged record is
written, unchanged, rejected, skipped or exported: shared.pipeline.reconcile) and the
destination's own counts and the map's declared field totals (shared.reconcile). A run is
reconciled only when both agree; the hand-over checklist is written with the final report.
"""

from __future__ import annotations

from typing import Any

from shared.destinations.base import Destination
from shared.ledger import AuditLedger, BlobStaging
from shared.pipeline.destination import with_destination
from shared.pipeline.load import _compiled
from shared.pipeline.messages import ExtractResult, LoadPlan, ReconcileResult, StartRun
from shared.pipeline.passes import save_reconcile_input
from shared.pipeline.reconcile import reconcile as account_for_every_record
from shared.reconcile import load_totals, reconcile, totals_path
from shared.reports.sample_diff import sample_diff
from shared.reports.store import store_diff, store_handover, store_reconciliation


def diff_sample(start: StartRun, map_hash: str, staging: BlobStaging,
                ledger: AuditLedger) -> dict[str, Any]:  # fmt: skip
    """Reads every sample record back and stores the field-level diff (HTML, CSV, JSON)."""
    compiled = _compiled(start.run_id, map_hash, staging)

    async def diff(destination: Destination) -> Any:
        return await sample_diff(destination, compiled, staging, ledger, start.run_id)

    report = with_destination(start.destination, diff, scope=start.run_id)
    blobs = store_diff(staging, report)
    return {"report_blob": blobs["diff.html"], "summary": report.summary().get("all", {})}


def reconcile_run(
    start: StartRun, map_hash: str, staging: BlobStaging, ledger: AuditLedger,
    extract: ExtractResult, plan: LoadPlan, totals: dict[str, dict[str, int]],
    load_seconds: float | None, *, pages_of: str | None = None,
    passes: list[dict[str, Any]] | None = None,
) -> ReconcileResult:  # fmt: skip
    """Accounting, destination counts and declared totals; writes the reports and checklist.

    `pages_of` names the source's current state when a later pass reconciles again (the run's
    own pages by default); `passes` are the later passes the accounting report lists.
    """
    if pages_of is None:
        save_reconcile_input(staging, start.run_id, extract, plan, totals, load_seconds)
    accounting = account_for_every_record(
        start, staging, ledger, extract, plan, totals, load_seconds, passes
    )
    compiled = _compiled(start.run_id, map_hash, staging)
    declared = load_totals(totals_path(start.destination.kind, start.source_system))
    quarantined = {kind: counts.quarantined for kind, counts in extract.objects.items()}

    async def check(destination: Destination) -> Any:
        return await reconcile(destination, compiled, staging, ledger, start.run_id,
                               declared, quarantined=quarantined, pages_of=pages_of)  # fmt: skip

    report = with_destination(start.destination, check, scope=start.run_id)
    blobs = store_reconciliation(staging, report)
    store_handover(staging, start.run_id, start.source_system, start.destination.kind)
    reasons = [*accounting.reasons, *report.reasons]
    return ReconcileResult(reconciled=not reasons, gaps=len(reasons),
                           report_blob=blobs["reconciliation.html"], reasons=reasons)  # fmt: skip
