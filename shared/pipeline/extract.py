"""Step 1 of a run: read the export from Blob, profile every row, stage accepted rows in pages.

The export is copied from the staging container to a local work folder (readers stream local
files), read and profiled row by row, and every accepted canonical record is written to gzip
JSON Lines pages of `page_size` records per object kind. Quarantined rows go to the quarantine
report with their reasons (never values); merged duplicates are counted, not staged.
"""

from __future__ import annotations

import io
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from shared.ledger import BlobStaging, page_blob_name
from shared.ledger.hashes import FULL_PASS, content_hash, save_snapshot
from shared.pipeline.gates import run_artifact
from shared.pipeline.messages import ExtractResult, ObjectCounts, StartRun
from shared.pipeline.reports import REPORT_NAMES, report_blob_name
from shared.pipeline.sample import PATIENT, PATIENT_FREE_KINDS
from shared.quality.config import QualityConfig
from shared.quality.profiler import QualityProfiler
from shared.quality.render import render_json, render_summary
from shared.quality.rules.documents import names_in
from shared.sources.profiling import profiled_rows, quality_config_for
from shared.sources.registry import reader_for
from shared.trust.sample_policy import VarietySampleSelector


class PageWriter:
    """Buffers one object kind's records and stages them page by page under `scope`."""

    def __init__(self, staging: BlobStaging, scope: str, kind: str, page_size: int) -> None:
        self._staging, self._scope, self._kind, self._size = staging, scope, kind, page_size
        self._buffer: list[dict[str, Any]] = []
        self.pages = 0
        self.staged = 0

    def add(self, record: dict[str, Any]) -> None:
        self._buffer.append(record)
        self.staged += 1
        if len(self._buffer) >= self._size:
            self.flush()

    def flush(self) -> None:
        if self._buffer:
            name = page_blob_name(self._scope, self._kind, self.pages)
            self._staging.write_jsonl(name, self._buffer)
            self.pages += 1
            self._buffer = []


def write_report(staging: BlobStaging, run_id: str, name: str, data: bytes,
                 folder: str = "") -> str:  # fmt: skip
    """Stores a run report (a later pass's go under `folder`, e.g. passes/delta-001)."""
    blob = report_blob_name(run_id, name)
    if folder:
        blob = f"{run_id}/{folder}/{name}"
    staging.write_bytes(blob, data, container="reports", content_type=REPORT_NAMES[name])
    return blob


def save_run_start(staging: BlobStaging, start: StartRun) -> None:
    """Keeps the run's start message: later passes (delta, fix-back) load as the run did."""
    staging.write_bytes(run_artifact(start.run_id, "start.json"),
                        start.model_dump_json().encode())  # fmt: skip


def load_run_start(staging: BlobStaging, run_id: str) -> StartRun:
    """The start message of a run whose extraction ran."""
    return StartRun.model_validate_json(staging.read_bytes(run_artifact(run_id, "start.json")))


# Dependents whose presence makes a patient worth sampling (statuses, documents, plans, ...).
OBSERVED_KINDS = frozenset(
    {"appointment", "document", "treatment_plan", "invoice", "related_person", "custom_field"}
)


def _observe_dependents(start: StartRun, export_dir: Path, sample: VarietySampleSelector) -> None:
    for kind, outcome in reader_for(start.source_system).read(export_dir):
        record = outcome.record
        if kind in OBSERVED_KINDS and record is not None and not outcome.quarantined:
            features = {"patient_id": getattr(record, "patient_id", None),
                        "status": getattr(record, "status", None)}  # fmt: skip
            sample.observe(kind, features)


def extract_export(
    start: StartRun, staging: BlobStaging, config: QualityConfig | None = None
) -> ExtractResult:
    """Reads, profiles and stages a run's export; in sample mode only the sample is staged."""
    sample = (
        VarietySampleSelector(start.options.sample_size, start.options.sample_seed)
        if start.mode == "sample"
        else None
    )
    writers: dict[str, PageWriter] = {}
    # The full run's content hashes are the baseline its delta passes compare new drops with.
    hashes: dict[str, dict[str, bytes]] = defaultdict(dict)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def writer(kind: str) -> PageWriter:
        if kind not in writers:
            writers[kind] = PageWriter(staging, start.run_id, kind, start.options.page_size)
        return writers[kind]

    quarantine = io.StringIO()
    with tempfile.TemporaryDirectory(prefix="clinicferry-export-") as work:
        export_dir = Path(work)
        listing = staging.list_export(start.export.prefix)
        staging.download_export(listing, export_dir)
        if sample is not None:  # a first pass tells which patients carry which variety
            _observe_dependents(start, export_dir, sample)
        read = reader_for(start.source_system).read(export_dir)
        profiler = QualityProfiler(
            quality_config_for(read, config),
            quarantine=quarantine,
            document_exists=names_in(listing.names),
        )
        for kind, outcome in profiled_rows(read, profiler):
            counts[kind]["read"] += 1
            status = outcome.status
            counts[kind][status] += 1
            if status != "accepted" or outcome.record is None:
                continue
            record = outcome.record.model_dump(mode="json")
            if sample is None:
                hashes[kind][outcome.record.source_id] = content_hash(record)
                writer(kind).add(record)
            elif kind == PATIENT:
                sample.offer_patient(outcome.record.source_id, record)
            else:
                if kind not in PATIENT_FREE_KINDS and PATIENT not in writers:
                    for patient in sample.close_patients():  # every patient has been seen
                        writer(PATIENT).add(patient)
                if sample.admits(kind, record):
                    writer(kind).add(record)
        if sample is not None and PATIENT not in writers:
            for patient in sample.close_patients():
                writer(PATIENT).add(patient)
        report = profiler.finish()
    for page_writer in writers.values():
        page_writer.flush()

    for kind, kind_hashes in hashes.items():  # empty for a sample: samples have no delta
        save_snapshot(staging, start.run_id, FULL_PASS, kind, kind_hashes)
    save_run_start(staging, start)
    report_blob = write_report(staging, start.run_id, "quality.json",
                               render_json(report).encode())  # fmt: skip
    write_report(staging, start.run_id, "quality.txt", render_summary(report).encode())
    write_report(staging, start.run_id, "quarantine.jsonl", quarantine.getvalue().encode())
    objects = {}
    for kind, c in counts.items():
        staged = writers.get(kind)
        objects[kind] = ObjectCounts(
            read=c["read"], accepted=c["accepted"], quarantined=c["quarantined"],
            merged=c["merged"], staged=staged.staged if staged else 0,
            pages=staged.pages if staged else 0,
        )  # fmt: skip
    return ExtractResult(objects=objects, quality_report_blob=report_blob)
