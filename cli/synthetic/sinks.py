"""Streaming writers for export files: CSV (any code page), XLSX (constant memory), JSON Lines.

A sink writes one row at a time and returns the row's 1-based data-row number (the first row
after the header is 1), which is what the manifest and `SourceRef.row` use.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, Protocol

import xlsxwriter

Cell = str | int | Decimal | date | datetime | None
FileFormat = Literal["csv", "xlsx", "jsonl", "json"]

# Fixed workbook timestamp: xlsx files of the same seed must be byte-identical.
_WORKBOOK_CREATED = datetime(2026, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class FileSpec:
    """One export file: its name, object kind, format and columns, as mappings/sources/README.md."""

    name: str
    kind: str
    columns: tuple[str, ...]
    format: FileFormat = "csv"
    encoding: str = "utf-8"
    delimiter: str = ","
    line_end: str = "\r\n"
    sheet: str | None = None
    title: str | None = None  # Core Practice: report title row above the header
    totals: tuple[str, ...] = ()  # money columns summed into a closing "Total" row
    fields: dict[str, str] = field(default_factory=dict)  # neutral field -> column (faults)


class Sink(Protocol):
    """A file being written."""

    rows: int

    def write(self, row: Sequence[Cell]) -> int: ...

    def close(self) -> None: ...


class CsvSink:
    """CSV in the spec's code page, delimiter and line ending; cells are already text."""

    def __init__(self, path: Path, spec: FileSpec) -> None:
        self.rows = 0
        self._file = path.open("w", encoding=spec.encoding, newline="")
        self._writer = csv.writer(
            self._file, delimiter=spec.delimiter, lineterminator=spec.line_end
        )
        self._writer.writerow(spec.columns)

    def write(self, row: Sequence[Cell]) -> int:
        """Write one row of text cells (None -> empty)."""
        self._writer.writerow(["" if cell is None else cell for cell in row])
        self.rows += 1
        return self.rows

    def close(self) -> None:
        """Flush and close the file."""
        self._file.close()


class XlsxSink:
    """One-sheet XLSX written row by row in xlsxwriter's constant-memory mode.

    Typed cells: str -> text (never a formula, so `=HYPERLINK(...)` stays text), int -> number,
    Decimal -> money number, date/datetime -> Excel dates with the day-first formats.
    """

    def __init__(self, path: Path, spec: FileSpec, subtitle: str = "") -> None:
        self.rows = 0
        self._spec = spec
        self._book = xlsxwriter.Workbook(
            str(path), {"constant_memory": True, "strings_to_formulas": False}
        )
        self._book.set_properties({"created": _WORKBOOK_CREATED})
        self._sheet = self._book.add_worksheet(spec.sheet or "Sheet1")
        self._date = self._book.add_format({"num_format": "d/mm/yyyy"})
        self._datetime = self._book.add_format({"num_format": "d/mm/yyyy hh:mm"})
        self._money = self._book.add_format({"num_format": "$#,##0.00"})
        bold = self._book.add_format({"bold": True})
        self._next = 0
        if spec.title is not None:
            self._sheet.write_string(0, 0, spec.title, bold)
            self._sheet.write_string(1, 0, subtitle)
            self._next = 3  # row 3 stays empty; header on row 4
        for col, name in enumerate(spec.columns):
            self._sheet.write_string(self._next, col, name, bold)
        self._next += 1
        self._totals = {spec.columns.index(c): Decimal("0") for c in spec.totals}

    def write(self, row: Sequence[Cell]) -> int:
        """Write one row of typed cells."""
        for col, cell in enumerate(row):
            self._write_cell(col, cell)
            if col in self._totals and isinstance(cell, Decimal):
                self._totals[col] += cell
        self._next += 1
        self.rows += 1
        return self.rows

    def close(self) -> None:
        """Append the totals row (money reports) and write the zip."""
        if self._totals:
            self._sheet.write_string(self._next, 0, "Total")
            for col, total in self._totals.items():
                self._sheet.write_number(self._next, col, float(total), self._money)
        self._book.close()

    def _write_cell(self, col: int, cell: Cell) -> None:
        row, sheet = self._next, self._sheet
        if cell is None or cell == "":
            return
        if isinstance(cell, str):
            sheet.write_string(row, col, cell)
        elif isinstance(cell, Decimal):
            sheet.write_number(row, col, float(cell), self._money)
        elif isinstance(cell, datetime):
            sheet.write_datetime(row, col, cell, self._datetime)
        elif isinstance(cell, date):
            sheet.write_datetime(row, col, cell, self._date)
        else:
            sheet.write_number(row, col, cell)


class JsonlSink:
    """JSON Lines: one object per line, UTF-8, keys in column order."""

    def __init__(self, path: Path, spec: FileSpec) -> None:
        self.rows = 0
        self._columns = spec.columns
        self._file = path.open("w", encoding="utf-8", newline="\n")

    def write(self, row: Sequence[Any]) -> int:
        """Write one object built from the row's cells."""
        record = dict(zip(self._columns, row, strict=True))
        self._file.write(json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n")
        self.rows += 1
        return self.rows

    def close(self) -> None:
        """Close the file."""
        self._file.close()


class JsonArraySink(JsonlSink):
    """One JSON array of objects, written element by element."""

    def write(self, row: Sequence[Any]) -> int:
        """Write one array element."""
        record = dict(zip(self._columns, row, strict=True))
        self._file.write(("[\n  " if self.rows == 0 else ",\n  ") + json.dumps(record))
        self.rows += 1
        return self.rows

    def close(self) -> None:
        """Close the array and the file."""
        self._file.write("\n]\n" if self.rows else "[]\n")
        self._file.close()


def open_sink(path: Path, spec: FileSpec, subtitle: str = "") -> Sink:
    """The writer for a spec's format."""
    if spec.format == "csv":
        return CsvSink(path, spec)
    if spec.format == "xlsx":
        return XlsxSink(path, spec, subtitle)
    if spec.format == "json":
        return JsonArraySink(path, spec)
    return JsonlSink(path, spec)
