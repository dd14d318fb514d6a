"""XLSX sheets as text rows: python-calamine for small files, openpyxl read-only for large ones.

calamine is ~10x faster but holds the whole sheet in memory (~1 KB per row), so files above
`CALAMINE_MAX_BYTES` are streamed by openpyxl, keeping memory flat whatever the file size.
Typed cells are rendered back to text: integral numbers without '.0', decimals with the file's
decimal separator, dates and times in ISO form (which every date parser accepts).
"""

from __future__ import annotations

import fnmatch
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from shared.sources.tables import FileInfo, RawRow, TableError

CALAMINE_MAX_BYTES = 4 * 1024 * 1024


def render_cell(value: Any, decimal_separator: str = ".") -> str:
    """A typed spreadsheet value as the text a person would have typed."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value).replace(".", decimal_separator)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != time() else value.date().isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _choose_sheet(names: list[str], wanted: str | None) -> str:
    if wanted is None:
        return names[0]
    for name in names:
        if fnmatch.fnmatch(name.casefold(), wanted.casefold()):
            return name
    raise TableError("missing_sheet")


def _calamine_rows(path: Path, wanted: str | None, info: FileInfo) -> Iterable[list[Any]]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        info.sheet = _choose_sheet(book.sheet_names, wanted)
        # skip_empty_area=False keeps row numbers equal to the sheet's own row numbers
        return book.get_sheet_by_name(info.sheet).to_python(skip_empty_area=False)
    except TableError:
        raise
    except Exception:  # calamine raises several error types for corrupt or non-XLSX files
        raise TableError("unreadable_file") from None


def _openpyxl_rows(path: Path, wanted: str | None, info: FileInfo) -> Iterator[tuple[Any, ...]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise TableError("unreadable_file") from None
    try:
        info.sheet = _choose_sheet(book.sheetnames, wanted)
        yield from book[info.sheet].iter_rows(values_only=True)
    finally:
        book.close()


def read_xlsx(
    path: Path, info: FileInfo, sheet: str | None, decimal_separator: str
) -> Iterator[RawRow]:
    """Rows of one sheet as text; the sheet is `sheet` (a glob) or the first one.

    Raises:
        TableError: unreadable_file (not a workbook), missing_sheet, empty_file.
    """
    if path.stat().st_size == 0:
        raise TableError("empty_file")
    if not zipfile.is_zipfile(path):
        raise TableError("unreadable_file")
    small = path.stat().st_size <= CALAMINE_MAX_BYTES
    rows = _calamine_rows(path, sheet, info) if small else _openpyxl_rows(path, sheet, info)
    for number, values in enumerate(rows, start=1):
        yield RawRow(number, [render_cell(v, decimal_separator) for v in values])
