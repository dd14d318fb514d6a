"""AeronaClinic (UK/IE): report CSVs read through mappings/sources/aerona.yaml."""

from __future__ import annotations

from typing import ClassVar

from shared.sources.export import SourceReader
from shared.sources.targets import Fields


def compact_identifiers(fields: Fields, systems: tuple[str, ...]) -> None:
    """Drop the display spaces of numeric identifiers ('943 476 5870' -> '9434765870')."""
    for identifier in fields.get("identifiers", ()):
        value = identifier.get("value")
        if identifier["system"] in systems and isinstance(value, str):
            compact = value.replace(" ", "").replace("-", "")
            if compact.isdigit():
                identifier["value"] = compact


class AeronaReader(SourceReader):
    """Aerona exports: UTF-8 with BOM (cp1252 for the treatment-code list), dd/MM/yyyy, Palmer."""

    source_system: ClassVar[str] = "aerona"
    profile_name: ClassVar[str] = "aerona"

    def prepare_record(self, kind: str, fields: Fields) -> None:
        """NHS numbers are shown in 3-3-4 groups; the canonical value is the ten digits."""
        super().prepare_record(kind, fields)
        compact_identifiers(fields, ("gb-nhs",))
