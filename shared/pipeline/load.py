"""Step 7 of a run: one staged page through the confirmed map into one destination table.

read page -> canonical records -> transform (compiled confirmed map) -> upsert by source key ->
audit rows (+ before-images) -> counts. Every write names the confirmed map's hash, and a batch
that runs twice overwrites its own audit rows. A throttled batch reports how long to wait so the
orchestrator can sleep on a durable timer instead of inside this activity.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from datetime import date
from functools import lru_cache
from typing import Any

from shared.destinations.base import (
    AttachedFile,
    Destination,
    FileAttacher,
    WriteOptions,
    WriteResult,
)
from shared.destinations.errors import TransientError
from shared.ledger import AuditLedger, AuditRow, BlobStaging, before_image_blob_name, page_blob_name
from shared.mapping.compiler import CompiledMap
from shared.mapping.context import RunContext
from shared.mapping.engine import CompiledTable
from shared.mapping.gate import compile_confirmed, require_confirmed
from shared.mapping.results import BatchFailed, Row, TransformResult
from shared.model import OBJECT_KINDS
from shared.pipeline.destination import with_destination
from shared.pipeline.extract import load_run_start
from shared.pipeline.gates import run_artifact
from shared.pipeline.intent import Intent, load_intent, save_intent
from shared.pipeline.messages import BatchResult, LoadBatch
from shared.pipeline.proposal import load_confirmed_map

DELETED_IN_SOURCE = "deleted_in_source"  # the audit reason of a deactivation


@lru_cache(maxsize=64)
def load_run_system(staging: BlobStaging, run_id: str) -> str:
    """The run's source system (destination keys start with it)."""
    return load_run_start(staging, run_id).source_system


@lru_cache(maxsize=8)
def _compiled(run_id: str, map_hash: str, staging: BlobStaging) -> CompiledMap:
    """The run's confirmed map compiled once per worker (owners, references fixed for the run)."""
    confirmed = load_confirmed_map(run_id, staging, map_hash)
    owners = json.loads(staging.read_bytes(run_artifact(run_id, "owners.json")))
    references = json.loads(staging.read_bytes(run_artifact(run_id, "references.json")))
    context = RunContext(
        run_id=run_id,
        run_date=date.fromisoformat(owners["run_date"]),
        owners=owners["owners"],
        fallback_owner=owners["fallback_owner"],
        references=references,
    )
    return compile_confirmed(confirmed, context)


def _records(staging: BlobStaging, batch: LoadBatch) -> list[Any]:
    if not batch.object_kind:
        return []  # an entry of static rows only (e.g. the default 'Individual Patient' account)
    model = OBJECT_KINDS[batch.object_kind]
    name = page_blob_name(batch.pages_of, batch.object_kind, batch.page)
    try:
        return [model.model_validate(r) for r in staging.read_jsonl(name)]
    except KeyError:
        return []  # an entry with static rows only has no staged page


def _transform(compiled: CompiledMap, entry: CompiledTable, batch: LoadBatch,
               records: list[Any]) -> TransformResult:  # fmt: skip
    result = entry.transform(records)
    # Rows the map itself supplies (e.g. a default account) go with the run's own page 0.
    if batch.page == 0 and not batch.pass_id:
        result.rows[:0] = [row for row in compiled.static_rows() if row.entry == batch.table]
    return result


def _with_document(row: Row, staging: BlobStaging, export_prefix: str,
                   inline: bool = True) -> dict[str, Any]:  # fmt: skip
    payload = dict(row.payload)
    if row.attachment is not None and inline:  # else the destination attaches it after the write
        data = staging.read_bytes(f"{export_prefix}/{row.attachment.path}")
        payload["documentbody"] = base64.b64encode(data).decode("ascii")
    return payload


def _files(rows: list[Row], staging: BlobStaging, export_prefix: str) -> list[AttachedFile]:
    return [
        AttachedFile(
            key=row.key, file_name=row.attachment.file_name,
            data=staging.read_bytes(f"{export_prefix}/{row.attachment.path}"),
            created_date=row.payload.get("CreatedDate"),
        )
        for row in rows
        if row.attachment is not None
    ]  # fmt: skip


def _audit(batch: LoadBatch, transform: TransformResult, written: WriteResult | None,
           intent: Intent | None, before_blob: str | None) -> list[AuditRow]:  # fmt: skip
    common = {
        "run_id": batch.run_id, "table": batch.table, "operator": batch.operator,
        "confirmed_map_hash": batch.confirmed_map_hash, "batch_id": batch.batch_id,
        "attempt": batch.attempt, "pass_id": batch.audit_pass,
    }  # fmt: skip
    rows = []
    for rejection in transform.rejected:
        key = rejection.key or f"{rejection.file}:{rejection.source_row}"
        rows.append(
            AuditRow(source_key=key, operation="rejected", reason_code=rejection.reason, **common)
        )
    images = intent.before_images if intent else (written.before_images if written else [])
    imaged = {image.key for image in images}
    for result in written.results if written else []:
        operation = intent.operation(result) if intent else result.status
        rows.append(AuditRow(
            source_key=result.key, operation=operation, destination_id=result.id,
            reason_code=result.reason_code or result.service_code,
            status_code=result.status_code,
            before_image_blob=before_blob if operation == "updated" and result.key in imaged
            else None, **common,
        ))  # fmt: skip
    return rows


async def _write(destination: Destination, entry: CompiledTable, batch: LoadBatch,
                 rows: list[Row], deferred: list[dict[str, Any]],
                 staging: BlobStaging) -> tuple[WriteResult, Intent | None]:  # fmt: skip
    attacher = destination if isinstance(destination, FileAttacher) else None
    payloads = [_with_document(row, staging, batch.export_prefix, inline=attacher is None)
                for row in rows]  # fmt: skip
    if entry.update_only and payloads:  # merge onto records another entry created, never create
        keys = [p[entry.key_column] for p in payloads]
        existing = await destination.read_back(entry.table, keys, [entry.key_column])
        payloads = [p for p in payloads if p[entry.key_column] in existing]
    written, intent = await _write_through(destination, entry, batch, payloads, deferred, staging)
    if attacher is not None:  # files go after their records exist (Salesforce Files)
        written = await attacher.attach_files(
            entry.table, written, _files(rows, staging, batch.export_prefix)
        )
    return written, intent


async def _write_through(destination: Destination, entry: CompiledTable, batch: LoadBatch,
                         payloads: list[dict[str, Any]], deferred: list[dict[str, Any]],
                         staging: BlobStaging) -> tuple[WriteResult, Intent | None]:  # fmt: skip
    intent = load_intent(staging, batch)
    capture = getattr(destination, "capture", None)
    if intent is None and capture is not None and payloads:  # write-ahead, before any write
        taken = await capture(entry.table, payloads)
        intent = save_intent(staging, batch, taken.existing, taken.before_images)
    # Nothing exists yet (first load): create without reading again; conflicts fall back.
    first_load = intent is not None and not intent.existing
    options = WriteOptions(run_id=batch.run_id, batch_id=batch.batch_id, first_load=first_load)
    written = await destination.write(entry.table, payloads, options)
    if deferred:  # self-references and state changes, once the rows exist
        await destination.write(entry.table, deferred, options)
    return written, intent


class _Deleted:
    """A source record that is gone: only what its destination key is built from."""

    def __init__(self, source_system: str, kind: str, source_id: str) -> None:
        self.source_system, self.kind, self.source_id = source_system, kind, source_id


async def _deactivate(
    destination: Destination, entry: CompiledTable, batch: LoadBatch, staging: BlobStaging,
    counts: Counter[str],
) -> tuple[WriteResult, Intent | None]:  # fmt: skip
    """Sets records deleted in the source to their inactive state, through the normal write."""
    ids = [r["source_id"] for r in staging.read_jsonl(
        page_blob_name(batch.pages_of, batch.object_kind, batch.page))]  # fmt: skip
    state = await destination.inactive_state(entry.table)
    if state is None:  # e.g. notes: nothing to deactivate, the deletion stays in the report
        counts["skipped_no_inactive_state"] += len(ids)
        return WriteResult(table=entry.table), None
    system = load_run_system(staging, batch.run_id)
    keys = [entry.key_of(_Deleted(system, batch.object_kind, i)) for i in ids]
    found = await destination.read_back(entry.table, keys, sorted(state))
    counts["skipped_not_in_destination"] += len(keys) - len(found)
    earlier = load_intent(staging, batch)
    if earlier is not None:  # a retry: what the first attempt found live is written again
        live = [k for k in keys if k in set(earlier.existing)]
    else:
        live = [k for k in keys if k in found
                and any(found[k].get(c) != v for c, v in state.items())]  # fmt: skip
    counts["skipped_already_inactive"] += len(found) - len(live)
    payloads = [{entry.key_column: key, **state} for key in live]
    if not payloads:
        return WriteResult(table=entry.table), None
    return await _write_through(destination, entry, batch, payloads, [], staging)


def load_batch(batch: LoadBatch, staging: BlobStaging, ledger: AuditLedger) -> BatchResult:
    """Loads one staged page into one map entry's table; returns counts per operation."""
    compiled = _compiled(batch.run_id, batch.confirmed_map_hash, staging)
    confirmed = require_confirmed(compiled)  # no write without a confirmed map
    if confirmed.sha256 != batch.confirmed_map_hash:
        raise PermissionError("the batch names another map than the run confirmed")
    entry = compiled.tables[batch.table]
    if batch.operation == "deactivate":
        return _deactivate_batch(batch, entry, staging, ledger)
    try:
        transform = _transform(compiled, entry, batch, _records(staging, batch))
    except BatchFailed as failed:  # the map's fail_batch policy: nothing of this page is written
        failed_batch = TransformResult(entry.entry, confirmed.sha256, rejected=[failed.rejection])
        ledger.record(_audit(batch, failed_batch, None, None, None))
        return BatchResult(batch_id=batch.batch_id, counts={"rejected": 1},
                           error_code=failed.rejection.reason)  # fmt: skip
    counts: Counter[str] = Counter({"rejected": len(transform.rejected)})
    counts.update({f"skipped_{reason}": n for reason, n in transform.skipped.items()})
    if batch.operation == "export":  # handed to an external billing system, not to the CRM
        staging.write_jsonl(f"{batch.run_id}/exports/{batch.table}/{batch.page:05d}.jsonl.gz",
                            [row.payload for row in transform.rows])  # fmt: skip
        counts["exported"] += len(transform.rows)
        ledger.record(_audit(batch, transform, None, None, None))
        return BatchResult(batch_id=batch.batch_id, counts=+counts)
    deferred = [{entry.key_column: row.key, **row.deferred} for row in transform.rows
                if row.deferred]  # fmt: skip
    try:
        written, intent = with_destination(
            batch.destination,
            lambda d: _write(d, entry, batch, transform.rows, deferred, staging),
            scope=batch.run_id,
        )
    except TransientError as exc:
        return _throttled(batch, exc)
    before_blob = _keep_before_images(batch, staging, written, intent)
    stored = ledger.record(_audit(batch, transform, written, intent, before_blob))
    counts.update(row.operation for row in stored if row.operation != "rejected")
    counts["rejected"] = sum(1 for row in stored if row.operation == "rejected")
    return BatchResult(batch_id=batch.batch_id, counts=+counts)


def _deactivate_batch(batch: LoadBatch, entry: CompiledTable, staging: BlobStaging,
                      ledger: AuditLedger) -> BatchResult:  # fmt: skip
    counts: Counter[str] = Counter()
    try:
        written, intent = with_destination(
            batch.destination,
            lambda d: _deactivate(d, entry, batch, staging, counts),
            scope=batch.run_id,
        )
    except TransientError as exc:
        return _throttled(batch, exc)
    before_blob = _keep_before_images(batch, staging, written, intent)
    rows = [row.model_copy(update={"reason_code": DELETED_IN_SOURCE})
            if row.operation == "updated" else row
            for row in _audit(batch, TransformResult(entry.entry, batch.confirmed_map_hash),
                              written, intent, before_blob)]  # fmt: skip
    stored = ledger.record(rows)
    for row in stored:
        counts["deactivated" if row.reason_code == DELETED_IN_SOURCE else row.operation] += 1
    return BatchResult(batch_id=batch.batch_id, counts=+counts)


def _throttled(batch: LoadBatch, exc: TransientError) -> BatchResult:
    """The orchestrator sleeps on a durable timer and sends the batch again."""
    return BatchResult(batch_id=batch.batch_id, retry_after_seconds=exc.retry_after or 30.0,
                       error_code=exc.reason_code)  # fmt: skip


def _keep_before_images(batch: LoadBatch, staging: BlobStaging, written: WriteResult,
                        intent: Intent | None) -> str | None:  # fmt: skip
    """Stores the batch's before-images (the intent's, taken before the first attempt wrote);
    returns their blob, which the audit rows of updated records name for rollback."""
    images = list(intent.before_images) if intent else written.before_images
    if not images:
        return None
    blob = before_image_blob_name(batch.run_id, batch.table, batch.batch_id)
    staging.write_jsonl(blob, [image.model_dump(mode="json") for image in images])
    return blob
