"""Physical readers: CSV, XLSX and JSON files as streams of text rows, plus header detection.

Every reader yields `RawRow`s (1-based physical row number, cells as text) and fills a
`FileInfo`; none of them holds more than a bounded prefix of a file in memory (XLSX above a size
threshold is streamed with openpyxl's read-only mode).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

FileFormat = Literal["csv", "xlsx", "json"]


@dataclass
class RawRow:
    """One physical row: its 1-based number in the file (or sheet) and its cells as text.

    `warning` carries a row-level reader warning (encoding_fallback); `error` a reason that
    makes the row unreadable (a CSV syntax error) so it is quarantined rather than dropped.
    """

    number: int
    cells: list[str]
    warning: str | None = None
    error: str | None = None


@dataclass
class FileInfo:
    """What the reader learned about one file: recorded in the run's provenance and report."""

    file: str
    format: FileFormat
    object_kind: str | None = None
    sheet: str | None = None
    encoding: str | None = None
    encoding_guessed: bool = False
    delimiter: str | None = None
    header_row: int | None = None
    rows_read: int = 0
    rows_skipped: int = 0
    columns_missing: list[str] = field(default_factory=list)


class TableError(Exception):
    """A file-level problem; `reason` is a REASONS code (unreadable_file, missing_sheet, ...)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def format_of(path: Path) -> FileFormat:
    """The reader a file needs, from its extension (.csv/.txt/.tsv, .xlsx/.xlsm, .json/.jsonl)."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix in (".json", ".jsonl", ".ndjson"):
        return "json"
    return "csv"


RowStream = Iterator[RawRow]
