"""A delta pass's first step: which records of a new export drop are new, changed or deleted.

The drop is read and profiled exactly as the full run's export was (so duplicates merge and bad
rows quarantine the same way); each accepted record's content hash is compared with the baseline
snapshot (the full run's, or the last successful pass's). Only new and changed records are
staged, as pages under the pass's own folder, for the same load path as the full run. Ids seen
before and absent from the drop are deleted in the source; when rows of a kind could not be read
at all, absence proves nothing, so that kind's deletions are reported but never acted on.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections import Counter
from pathlib import Path

from shared.ledger import BlobStaging
from shared.ledger.hashes import content_hash, load_snapshot, save_snapshot, snapshot_kinds
from shared.ledger.runs import DeltaWindow
from shared.pipeline.extract import PageWriter, write_report
from shared.pipeline.messages import (
    ExtractResult,
    ObjectCounts,
    PassChanges,
    PassJob,
    PassSelection,
    StartRun,
    deleted_scope,
)
from shared.quality.profiler import QualityProfiler
from shared.quality.render import render_json
from shared.quality.rules.documents import names_in
from shared.sources.profiling import profiled_rows, quality_config_for
from shared.sources.registry import reader_for


def current_scope(job: PassJob) -> str:
    """Where a closing pass stages the whole drop: the source side of the final reconciliation."""
    return f"{job.page_scope}/current"


class _KindDelta:
    """One object kind's comparison: the baseline, what the drop holds, what gets staged."""

    def __init__(self, baseline: dict[str, bytes], writer: PageWriter,
                 everything: PageWriter | None = None) -> None:  # fmt: skip
        self.baseline, self.writer, self.everything = baseline, writer, everything
        # The baseline becomes the new snapshot in place (one dict per kind, not two).
        self.counts: Counter[str] = Counter()  # new / changed / quarantined
        self.seen: set[str] = set()  # every id the drop holds, however its row ended
        self.unreadable = 0  # rows no record could be built from (their ids are unknown)
        self.read = self.accepted = self.merged = 0


def detect_changes(job: PassJob, start: StartRun, window: DeltaWindow,
                   staging: BlobStaging) -> PassSelection:  # fmt: skip
    """Reads the window's latest drop, stages new and changed records, lists deletions."""
    listing = staging.list_export(window.drop_prefix)
    fingerprint = listing.fingerprint
    if fingerprint == window.last_fingerprint and not job.closing:
        return PassSelection(pass_id=job.pass_id, drop_fingerprint=fingerprint,
                             extract=ExtractResult(objects={}, quality_report_blob=""),
                             skipped_reason="no new export drop since the last pass")  # fmt: skip
    kinds: dict[str, _KindDelta] = {}

    def delta_of(kind: str) -> _KindDelta:
        if kind not in kinds:
            baseline = load_snapshot(staging, job.run_id, window.baseline_pass, kind)
            size = start.options.page_size
            writer = PageWriter(staging, job.page_scope, kind, size)
            everything = (
                PageWriter(staging, current_scope(job), kind, size) if job.closing else None
            )
            kinds[kind] = _KindDelta(baseline, writer, everything)
        return kinds[kind]

    quarantine = io.StringIO()
    with tempfile.TemporaryDirectory(prefix="clinicferry-drop-") as work:
        drop_dir = Path(work)
        staging.download_export(listing, drop_dir)
        read = reader_for(start.source_system).read(drop_dir)
        profiler = QualityProfiler(quality_config_for(read, None), quarantine=quarantine,
                                   document_exists=names_in(listing.names))  # fmt: skip
        for kind, outcome in profiled_rows(read, profiler):
            delta = delta_of(kind)
            delta.read += 1
            if outcome.record is None:
                delta.unreadable += 1
                continue
            source_id = outcome.record.source_id
            delta.seen.add(source_id)
            if outcome.status == "quarantined":
                delta.counts["quarantined"] += 1
                continue
            if outcome.status == "merged":
                delta.merged += 1
                continue
            delta.accepted += 1
            record = outcome.record.model_dump(mode="json")
            digest = content_hash(record)
            if delta.everything is not None:
                delta.everything.add(record)
            before = delta.baseline.get(source_id)
            if before == digest:
                continue
            delta.baseline[source_id] = digest
            delta.writer.add(record)
            delta.counts["new" if before is None else "changed"] += 1
        report = profiler.finish()
    return _finish(
        job,
        staging,
        window,
        kinds,
        fingerprint,
        (render_json(report).encode(), quarantine.getvalue().encode()),
        start.options.page_size,
    )


def _finish(
    job: PassJob, staging: BlobStaging, window: DeltaWindow, kinds: dict[str, _KindDelta],
    fingerprint: str, reports: tuple[bytes, bytes], page_size: int,
) -> PassSelection:  # fmt: skip
    for kind in snapshot_kinds(staging, job.run_id, window.baseline_pass):
        if kind not in kinds:  # a kind the drop no longer has at all: every record deleted
            baseline = load_snapshot(staging, job.run_id, window.baseline_pass, kind)
            kinds[kind] = _KindDelta(baseline, PageWriter(staging, job.page_scope, kind, 1))
    deleted: dict[str, list[str]] = {}
    undecided: dict[str, int] = {}
    objects: dict[str, ObjectCounts] = {}
    changes: dict[str, PassChanges] = {}
    for kind, delta in sorted(kinds.items()):
        delta.writer.flush()
        if delta.everything is not None:
            delta.everything.flush()
        gone = sorted(i for i in delta.baseline if i not in delta.seen)
        if gone and delta.unreadable:
            undecided[kind] = len(gone)  # absent, or among the unreadable rows: cannot tell
        elif gone:
            deleted[kind] = gone
        # Quarantined and merged rows keep their old hash, so a fixed row reads as changed.
        for source_id in gone:
            del delta.baseline[source_id]
        save_snapshot(staging, job.run_id, job.pass_id, kind, delta.baseline)
        found = delta.counts
        changes[kind] = PassChanges(
            new=found["new"], changed=found["changed"], deleted=len(gone),
            quarantined=found["quarantined"],
            unchanged=delta.accepted - found["new"] - found["changed"],
        )  # fmt: skip
        objects[kind] = ObjectCounts(
            read=delta.read, accepted=delta.accepted, quarantined=delta.counts["quarantined"],
            merged=delta.merged, staged=delta.writer.staged, pages=delta.writer.pages,
        )  # fmt: skip
    deleted_pages = {}
    for kind, ids in deleted.items():
        writer = PageWriter(staging, deleted_scope(job.page_scope), kind, page_size)
        for source_id in ids:
            writer.add({"source_id": source_id})
        writer.flush()
        deleted_pages[kind] = writer.pages
    folder = f"passes/{job.pass_id}"
    quality_blob = write_report(staging, job.run_id, "quality.json", reports[0], folder)
    write_report(staging, job.run_id, "quarantine.jsonl", reports[1], folder)
    body = {
        "run_id": job.run_id, "pass_id": job.pass_id, "drop_prefix": window.drop_prefix,
        "baseline_pass": window.baseline_pass,
        "changes": {k: c.model_dump() for k, c in changes.items()},
        "deleted_source_ids": deleted,
        "deletions_not_decided": {
            kind: f"{n} ids absent while rows of this kind could not be read: not deactivated"
            for kind, n in undecided.items()
        },
    }  # fmt: skip
    report = write_report(staging, job.run_id, "changes.json",
                          json.dumps(body, indent=1).encode(), folder)  # fmt: skip
    extract = ExtractResult(objects=objects, quality_report_blob=quality_blob)
    return PassSelection(pass_id=job.pass_id, extract=extract, changes=changes,
                         deleted_pages=deleted_pages, drop_fingerprint=fingerprint,
                         report_blob=report)  # fmt: skip
