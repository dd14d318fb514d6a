"""Spreadsheet formula injection: detect text a spreadsheet would run, and neutralise it for output.

A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel, LibreOffice
and Google Sheets as a formula (OWASP "CSV Injection"). Text like "-" or "+44 20 7946 0958" or
"-12.50" (only digits, spaces and number punctuation after the sign) cannot call anything and is
left alone, so phone numbers and amounts stay readable. Report writers call `neutralise_formula`
on every text cell of a CSV/XLSX output; the quality profile flags the same values in the data.
"""

from __future__ import annotations

import re

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
