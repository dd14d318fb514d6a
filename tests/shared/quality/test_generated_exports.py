"""End to end: generated exports through the real readers and the profiler. Every injected fault
the manifest lists is found in the manifest's row and column (named by the export's own header),
and nothing the generator did not inject is merged or flagged."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from shared.quality import QualityConfig, QualityProfiler
from shared.quality.columns import source_column_names
from shared.quality.rules.documents import files_under
from shared.sources.profile import kind_of
from shared.sources.profiling import quality_config_for
from shared.sources.registry import reader_for

# Manifest fault -> what the profile must say about that row.
FAULT_FINDINGS = {
    "invalid_identifier": "invalid_identifier",
    "orphan_appointment": "orphan_reference",
    "oversized_document": "oversized_document",
    "formula_text": "formula_injection",
    "malformed_date": "malformed_date",
}
Where = tuple[str, int]
Cell = tuple[str, int, str | None]


@pytest.mark.parametrize("source", ["aerona", "drdentes", "core_practice", "generic"])
def test_profile_finds_exactly_the_injected_faults(
    source: str, synthetic_export: Callable[..., Path]
) -> None:
    export = synthetic_export(source, patients=80, seed=21, fault_rate=0.06)
    manifest = json.loads((export / "_manifest.json").read_text("utf-8"))
    injected: dict[str, set[Cell]] = defaultdict(set)
    duplicate_of: dict[Where, str] = {}
    for fault in manifest["faults"]:
        injected[fault["fault"]].add((fault["file"], fault["row"], fault["column"]))
        if fault["fault"] == "duplicate_patient":
            duplicate_of[(fault["file"], fault["row"])] = fault["duplicate_of"]
    read = reader_for(source, None).read(export)
    settings = QualityConfig(
        as_of=date.fromisoformat(manifest["as_of"]),
        document_max_bytes=manifest["options"]["oversize_bytes"],
        document_size_measured_on="raw",
    )
    headers: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key, spec in read.profile.objects.items():
        headers[kind_of(key)] += [(header, column.to) for header, column in spec.columns.items()]
    profiler = QualityProfiler(
        quality_config_for(read, settings),
        document_exists=files_under(export),
        source_columns=source_column_names(headers),
    )
    found: dict[str, set[Cell]] = defaultdict(set)
    merged_into: dict[Where, str] = {}
    quarantined_patients: set[str] = set()
    for kind, row in read:
        profiler.profile_row(kind, row)
        where = (row.source_ref.file, row.source_ref.row)
        for finding in row.findings:
            found[finding.reason].add((*where, finding.column))
        if row.merged_into is not None:
            merged_into[where] = row.merged_into
        if kind == "patient" and row.status == "quarantined" and row.record is not None:
            quarantined_patients.add(row.record.source_id)

    assert profiler.finish().balanced
    for fault, reason in FAULT_FINDINGS.items():
        assert injected[fault], f"the generator injected no {fault}"
        assert found[reason] == injected[fault], fault
    # Duplicates merge into the patient they copy, unless that one was itself quarantined.
    expected_merges = {
        where: original
        for where, original in duplicate_of.items()
        if original not in quarantined_patients
    }
    assert merged_into == expected_merges
    assert not found["missing_document_file"]
