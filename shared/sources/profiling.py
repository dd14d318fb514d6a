"""Read a whole export and profile it: the reader's stream through the quality profiler.

This is step 1 of a run ("extract and profile"): every row ends accepted, quarantined or merged,
file-level findings join the report's file list, and nothing is held in memory but counters.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from shared.quality.config import QualityConfig
from shared.quality.findings import RowOutcome
from shared.quality.profiler import QualityProfiler
from shared.quality.report import QualityReport
from shared.quality.rules.documents import files_under
from shared.sources.export import ExportRead
from shared.sources.registry import reader_for


@dataclass
class ProfiledExport:
    """A profiled export: the quality report and what the reader learned about each file."""

    report: QualityReport
    read: ExportRead


def quality_config_for(read: ExportRead, config: QualityConfig | None) -> QualityConfig:
    """The run's quality settings, with the profile's phone region unless the settings name one."""
    config = config or QualityConfig()
    region = read.profile.defaults.phone_region
    if config.phone_region is None and region is not None:
        return config.model_copy(update={"phone_region": region})
    return config


def profiled_rows(read: ExportRead, profiler: QualityProfiler) -> Iterator[tuple[str, RowOutcome]]:
    """The export's rows, each decided by the profiler, then the files noted in the report."""
    for kind, outcome in read:
        yield kind, profiler.profile_row(kind, outcome)
    noted: set[str] = set()
    for info in read.files:  # a file read for two kinds (practices -> locations + org) once
        if info.file not in noted:
            noted.add(info.file)
            findings = [f for f in read.file_findings if f.file == info.file]
            profiler.note_file(
                info.file, object_kind=info.object_kind, encoding=info.encoding, findings=findings
            )
    for finding in read.file_findings:  # missing / unexpected files were never opened
        if finding.file not in noted:
            profiler.note_file(finding.file, object_kind=finding.object_kind, findings=[finding])


def profile_export(
    source: str,
    export_dir: Path,
    *,
    profile_path: Path | None = None,
    config: QualityConfig | None = None,
    quarantine: TextIO | None = None,
) -> ProfiledExport:
    """Read and profile an export folder.

    Args:
        source: source system (aerona, drdentes, core_practice, generic).
        export_dir: the unpacked export.
        profile_path: a source profile YAML instead of the shipped one.
        config: quality rule settings (defaults when None).
        quarantine: stream for one JSON line per quarantined row.

    Returns:
        The report and the reader's file details.
    """
    read = reader_for(source, profile_path).read(export_dir)
    profiler = QualityProfiler(
        quality_config_for(read, config),
        quarantine=quarantine,
        document_exists=files_under(export_dir),
    )
    for _ in profiled_rows(read, profiler):
        pass
    return ProfiledExport(profiler.finish(), read)
