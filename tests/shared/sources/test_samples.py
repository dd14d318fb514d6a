"""Each source's committed sample (samples/<source>/) reads completely: rows per file match the
manifest, parsing faults are found exactly where the generator put them, and every row ends
accepted, quarantined or merged after profiling."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from shared.quality.profiler import QualityProfiler
from shared.sources import read_export
from shared.sources.profiling import profile_export, profiled_rows, quality_config_for

SOURCES = ["aerona", "drdentes", "core_practice", "generic"]
SAMPLES = Path(__file__).resolve().parents[3] / "samples"
# Custom-field definitions describe fields for the mapping step; they hold no records.
NOT_READ = {"custom_field_definitions.json"}


def manifest(export: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((export / "_manifest.json").read_text("utf-8"))
    return data


@pytest.mark.parametrize("source", SOURCES)
def test_rows_read_per_file_match_the_manifest(source: str) -> None:
    export = SAMPLES / source
    read = read_export(source, export)
    # Distinct data rows: a wide row (generic custom fields) yields one record per field.
    counted = Counter({(o.source_ref.file, kind, o.source_ref.row) for kind, o in read})
    counted = Counter((file, kind) for file, kind, _ in counted)
    files = manifest(export)["files"]
    assert isinstance(files, dict)
    for name, info in files.items():
        if name in NOT_READ:
            continue
        assert counted[(name, info["kind"])] == info["rows"], name
    reasons = {(f.reason, f.file) for f in read.file_findings}
    assert not {r for r in reasons if r[0] in ("unreadable_file", "missing_header")}
    assert not {f for r, f in reasons if r == "unexpected_file"}


@pytest.mark.parametrize("source", SOURCES)
def test_malformed_dates_are_found_where_the_generator_put_them(source: str) -> None:
    export = SAMPLES / source
    faults = manifest(export)["faults"]
    assert isinstance(faults, list)
    planted = {(f["file"], f["row"], f["column"]) for f in faults if f["fault"] == "malformed_date"}
    assert planted, "the sample should carry malformed dates"
    found = {
        (finding.file, finding.row, finding.column)
        for _, outcome in read_export(source, export)
        for finding in outcome.findings
        if finding.reason == "malformed_date"
    }
    assert found == planted


@pytest.mark.parametrize("source", SOURCES)
def test_every_row_is_accepted_quarantined_or_merged(source: str) -> None:
    export = SAMPLES / source
    read = read_export(source, export)
    profiler = QualityProfiler(quality_config_for(read, None))
    statuses = Counter((kind, o.status) for kind, o in profiled_rows(read, profiler))
    report = profiler.finish()
    assert report.balanced
    for profile in report.objects:
        assert profile.rows_read == sum(
            n for (k, _), n in statuses.items() if k == profile.object_kind
        )
    patients = report.object("patient")
    assert patients is not None and patients.quarantined > 0  # the malformed birth dates


def test_a_clean_export_is_fully_accepted(synthetic_export: Callable[..., Path]) -> None:
    export = synthetic_export("aerona", patients=30, seed=4)
    result = profile_export("aerona", export)
    assert result.report.balanced
    for profile in result.report.objects:
        assert profile.quarantined == 0, profile.object_kind
    first = next(o for k, o in read_export("aerona", export) if k == "patient")
    assert first.record is not None and first.record.source_ref.row == 1
