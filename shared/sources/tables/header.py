"""Header-row detection: the row, among the first few, that holds the most profile columns.

Core Practice reports put a title block above the header; other exports start with it. Matching
is by normalised name (case, spacing, a trailing ':' or '*' ignored), never by position.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

SCAN_ROWS = 25


def normalise_header(text: str) -> str:
    """A comparable form of a header cell: 'Date of Birth *' and 'date  of birth' match."""
    cleaned = unicodedata.normalize("NFC", text.replace("\ufeff", "")).strip().strip('"')
    cleaned = cleaned.rstrip(":*").strip()
    return " ".join(cleaned.casefold().split())


def header_score(cells: Iterable[str], expected: set[str]) -> int:
    """How many distinct expected (normalised) column names a row contains."""
    return len({normalise_header(c) for c in cells if c} & expected)


def pick_header(rows: list[list[str]], expected: set[str]) -> int | None:
    """Index of the header among `rows`, or None when no row looks like one.

    A header must hold at least two expected columns (or the only one a profile names); the
    first row with the best score wins, so a repeated header further down is data.
    """
    needed = min(2, len(expected))
    best, best_index = 0, None
    for index, cells in enumerate(rows[:SCAN_ROWS]):
        score = header_score(cells, expected)
        if score > best:
            best, best_index = score, index
    return best_index if best >= max(needed, 1) else None
