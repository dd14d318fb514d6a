"""Generic clinic software: CSV/JSON files described entirely by a user-supplied profile."""

from __future__ import annotations

from typing import ClassVar

from shared.sources.export import SourceReader


class GenericReader(SourceReader):
    """One file per object linked by a source patient id; the default profile is generic.yaml."""

    source_system: ClassVar[str] = "generic_csv"
    profile_name: ClassVar[str] = "generic"
