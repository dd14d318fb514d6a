"""Source readers by name: `read_export("aerona", export_dir)` reads an export with its profile."""

from __future__ import annotations

from pathlib import Path

from shared.sources.aerona import AeronaReader
from shared.sources.core_practice import CorePracticeReader
from shared.sources.drdentes import DrDentesReader
from shared.sources.export import ExportRead, SourceReader
from shared.sources.generic import GenericReader
from shared.sources.profile import default_profile_path, load_profile

READERS: dict[str, type[SourceReader]] = {
    "aerona": AeronaReader,
    "drdentes": DrDentesReader,
    "core_practice": CorePracticeReader,
    "generic": GenericReader,
    "generic_csv": GenericReader,
}


def reader_for(source_system: str, profile_path: Path | None = None) -> SourceReader:
    """A reader for a source, with its profile (the default one unless a path is given).

    Raises:
        KeyError: unknown source system.
        ProfileError: the profile is invalid.
    """
    if source_system not in READERS:
        raise KeyError(f"unknown source {source_system!r}; known: {sorted(READERS)}")
    cls = READERS[source_system]
    path = profile_path or default_profile_path(cls.profile_name)
    return cls(load_profile(path))


def read_export(
    source_system: str, export_dir: Path, profile_path: Path | None = None
) -> ExportRead:
    """Every data row of every file of an export as `(object_kind, RowOutcome)`.

    Kinds come in dependency order (locations and staff, patients, related persons, then the
    rest). File-level findings are on the returned object's `file_findings` once iterated.
    """
    return reader_for(source_system, profile_path).read(export_dir)
