"""Spreadsheet formula injection: what is flagged, and how report writers neutralise it."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from shared.quality.formulas import looks_like_formula, neutralise_cell, neutralise_formula


@pytest.mark.parametrize(
    "text",
    ["=1+1", '=HYPERLINK("http://x","click")', "+1+2", "-2+3+cmd|' /C calc'!A0", "@SUM(A1:A9)",
     "\t=1", "\rnote", "- took x-ray of 36"],
)  # fmt: skip
def test_formula_like_text_is_flagged_and_neutralised(text: str) -> None:
    assert looks_like_formula(text)
    assert neutralise_formula(text) == "'" + text


@pytest.mark.parametrize(
    "text", ["", "Ada", "+44 20 7946 0958", "-12.50", "-", "(0)20", "a=b", "mail@x.com"]
)
def test_plain_text_numbers_and_phones_are_left_alone(text: str) -> None:
    assert not looks_like_formula(text)
    assert neutralise_formula(text) == text


def test_neutralised_csv_cell_reads_back_as_text() -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([neutralise_cell(v) for v in ["=1+1", 5, None, date(2025, 1, 2)]])
    cells = next(csv.reader(io.StringIO(buffer.getvalue())))
    assert cells[0] == "'=1+1"
    assert cells[1:] == ["5", "", "2025-01-02"]
