"""Spreadsheet formula injection: detect text a spreadsheet would run, and neutralise it for output.

A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel, LibreOffice
and Google Sheets as a formula (OWASP "CSV Injection"). Text like "-" or "+44 20 7946 0958" or
"-12.50" (only digits, spaces and number punctuation after the sign) cannot call anything and is
left alone, so phone numbers and amounts stay readable. Every CSV the product writes goes through
`neutralising_writer` (a test fails on a bare `csv.writer` elsewhere); an XLSX writer would call
`neutralise_cell` per cell. The quality profile flags the same values in the data.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_TRIGGERS = frozenset("=+-@\t\r")
_HARMLESS = re.compile(r"[+-][\d\s().,/-]*")


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet would evaluate the text as a formula.

    Args:
        text: a free-text value.

    Returns:
        True for "=HYPERLINK(...)", "@SUM(A1)", "-2+3+cmd|..." and text starting with tab/CR.
    """
    return bool(text) and text[0] in FORMULA_TRIGGERS and _HARMLESS.fullmatch(text) is None


def neutralise_formula(text: str) -> str:
    """The text made inert for a spreadsheet cell by a leading apostrophe (OWASP advice).

    Args:
        text: a value about to be written into a CSV or XLSX cell.

    Returns:
        "'" + text when it looks like a formula, else the text unchanged.
    """
    return "'" + text if looks_like_formula(text) else text


def neutralise_cell(value: object) -> object:
    """`neutralise_formula` for a cell of any type: only strings can carry a formula.

    Args:
        value: a cell value (str, number, date, None, ...).

    Returns:
        The neutralised string, or the value unchanged when it is not a string.
    """
    return neutralise_formula(value) if isinstance(value, str) else value


class _TextSink(Protocol):
    def write(self, text: str, /) -> Any: ...


class NeutralisingWriter:
    """A `csv.writer` whose every cell goes through `neutralise_cell` first."""

    def __init__(self, handle: _TextSink, **fmtparams: Any) -> None:
        self._writer = csv.writer(handle, **fmtparams)

    def writerow(self, row: Iterable[object]) -> None:
        """Writes one row, formula-like text neutralised."""
        self._writer.writerow([neutralise_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        """Writes several rows, formula-like text neutralised."""
        for row in rows:
            self.writerow(row)


def neutralising_writer(handle: _TextSink, **fmtparams: Any) -> NeutralisingWriter:
    """The CSV writer every report and export uses (same arguments as `csv.writer`).

    Args:
        handle: a text stream opened with `newline=""` (or a StringIO).
        **fmtparams: `csv.writer` dialect options, e.g. `lineterminator="\\n"`.

    Returns:
        A writer with `writerow` / `writerows` that neutralise every text cell.
    """
    return NeutralisingWriter(handle, **fmtparams)
