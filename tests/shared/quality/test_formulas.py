"""Spreadsheet formula injection: what is flagged, and how report writers neutralise it."""

from __future__ import annotations

import ast
import csv
import io
from datetime import date
from pathlib import Path

import pytest

from shared.quality.formulas import (
    looks_like_formula,
    neutralise_cell,
    neutralise_formula,
    neutralising_writer,
)


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


def test_the_neutralising_writer_makes_every_text_cell_inert() -> None:
    buffer = io.StringIO()
    writer = neutralising_writer(buffer, lineterminator="\n")
    writer.writerow(["=cmd|' /C calc'!A0", "+44 20 7946 0958", -12.5, None])
    writer.writerows([["@SUM(A1)", "-12.50"], ["\t=1", "Ada"]])
    rows = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert rows == [["'=cmd|' /C calc'!A0", "+44 20 7946 0958", "-12.5", ""],
                    ["'@SUM(A1)", "-12.50"], ["'\t=1", "Ada"]]  # fmt: skip


def test_no_csv_or_spreadsheet_is_written_around_the_neutralising_writer() -> None:
    """Every CSV/XLSX writer in the product goes through `neutralising_writer` (AST scan).

    Allowed elsewhere: the writer itself; the Salesforce Bulk API payload, a wire format that
    Salesforce parses (an apostrophe would be written into the CRM, not shown in a spreadsheet);
    and the synthetic generator, whose job is to produce raw vendor-like exports (formula faults
    included) for the readers to cope with.
    """
    root = Path(__file__).resolve().parents[3]
    allowed = {"shared/quality/formulas.py", "shared/destinations/salesforce/payloads.py"}
    offenders = []
    for folder in ("shared", "activities", "api", "orchestrators", "cli", "function_app.py"):
        paths = [root / folder] if folder.endswith(".py") else (root / folder).rglob("*.py")
        for path in paths:
            relative = path.relative_to(root).as_posix()
            if relative in allowed or relative.startswith("cli/synthetic/") or not path.exists():
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                name = _writer_use(node)
                if name:
                    offenders.append(f"{relative}:{getattr(node, 'lineno', 0)} {name}")
    assert offenders == []


MODULE_WRITERS = {("csv", "writer"), ("csv", "DictWriter"), ("xlsxwriter", "Workbook"),
                  ("openpyxl", "Workbook")}  # fmt: skip


def _writer_use(node: ast.AST) -> str | None:
    """`csv.writer(...)`, `from csv import writer`, `df.to_csv(...)` and the like, else None."""
    if isinstance(node, ast.ImportFrom):
        names = [f"{node.module}.{a.name}" for a in node.names if (node.module, a.name) in
                 MODULE_WRITERS]  # fmt: skip
        return ", ".join(names) or None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        target = node.func
        if isinstance(target.value, ast.Name) and (target.value.id, target.attr) in MODULE_WRITERS:
            return f"{target.value.id}.{target.attr}"
    return None


@pytest.mark.parametrize(
    ("source", "found"),
    [("csv.writer(handle)", "csv.writer"), ("from csv import DictWriter", "csv.DictWriter"),
     ("xlsxwriter.Workbook(path)", "xlsxwriter.Workbook"), ("writer(kind).add(r)", None),
     ("neutralising_writer(handle)", None)],
)  # fmt: skip
def test_the_scan_recognises_writer_uses(source: str, found: str | None) -> None:
    assert [n for n in map(_writer_use, ast.walk(ast.parse(source))) if n] == (
        [found] if found else []
    )
