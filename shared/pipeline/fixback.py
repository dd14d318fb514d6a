"""A fix-back pass's first step: stage exactly the records the last reconciliation found missing,
rejected or different, from the same source pages it compared, for the same load path."""

from __future__ import annotations

import json

from shared.ledger import BlobStaging
from shared.pipeline.extract import PageWriter
from shared.pipeline.messages import (
    ExtractResult,
    ObjectCounts,
    PassChanges,
    PassJob,
    PassSelection,
    StartRun,
)
from shared.pipeline.reports import report_blob_name
from shared.reconcile.compute import staged_records


def last_gaps(staging: BlobStaging, run_id: str) -> dict[str, list[str]]:
    """Source ids per canonical kind the run's last reconciliation listed as gaps."""
    try:
        body = json.loads(staging.read_bytes(report_blob_name(run_id, "reconciliation.json"),
                                             container="reports"))  # fmt: skip
    except KeyError:
        raise LookupError(f"run {run_id} has no reconciliation to fix back from") from None
    return {kind: list(ids) for kind, ids in body.get("fixback", {}).items()}


def select_gaps(job: PassJob, start: StartRun, staging: BlobStaging,
                source_scope: str) -> PassSelection:  # fmt: skip
    """Stages the gaps' records under the pass's folder; kinds without gaps stage nothing."""
    objects: dict[str, ObjectCounts] = {}
    changes: dict[str, PassChanges] = {}
    for kind, ids in sorted(last_gaps(staging, job.run_id).items()):
        wanted = set(ids)
        writer = PageWriter(staging, job.page_scope, kind, start.options.page_size)
        for record in staged_records(staging, source_scope, kind):
            if record.source_id in wanted:
                writer.add(record.model_dump(mode="json"))
        writer.flush()
        objects[kind] = ObjectCounts(read=writer.staged, accepted=writer.staged,
                                     staged=writer.staged, pages=writer.pages)  # fmt: skip
        changes[kind] = PassChanges(gaps=len(wanted))
    extract = ExtractResult(objects=objects, quality_report_blob="")
    return PassSelection(pass_id=job.pass_id, extract=extract, changes=changes)
