"""Core Practice (AU): XLSX reports with a title block, 'Last, First' names and a totals row."""

from __future__ import annotations

from typing import ClassVar

from shared.sources.aerona import compact_identifiers
from shared.sources.export import SourceReader
from shared.sources.targets import Fields


class CorePracticeReader(SourceReader):
    """Core Practice report downloads; item numbers are three-digit text ('011')."""

    source_system: ClassVar[str] = "core_practice"
    profile_name: ClassVar[str] = "core_practice"

    def prepare_record(self, kind: str, fields: Fields) -> None:
        """Medicare numbers are printed with spaces ('2951 87312 5'); keep the digits."""
        super().prepare_record(kind, fields)
        compact_identifiers(fields, ("au-medicare",))
