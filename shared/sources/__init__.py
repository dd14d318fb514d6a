"""Source readers: exports (CSV/XLSX/JSON) read through YAML profiles into canonical records.

`read_export(source, export_dir)` yields `(object_kind, RowOutcome)` for every data row, in
dependency order; `load_profile` validates a profile YAML.
"""

from __future__ import annotations

from shared.sources.export import DEPENDENCY_ORDER, ExportRead, SourceReader
from shared.sources.profile import ProfileError, SourceProfile, load_profile
from shared.sources.registry import READERS, read_export, reader_for

__all__ = [
    "DEPENDENCY_ORDER",
    "READERS",
    "ExportRead",
    "ProfileError",
    "SourceProfile",
    "SourceReader",
    "load_profile",
    "read_export",
    "reader_for",
]
