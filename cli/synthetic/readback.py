"""Reads a generated export back as rows keyed by column, using its `_manifest.json`.

For tests and benchmarks of the generator itself; the product's readers live in shared/sources/.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from cli.synthetic.manifest import MANIFEST_NAME


def load_manifest(export: Path) -> dict[str, Any]:
    """The export's manifest as a dict."""
    with (export / MANIFEST_NAME).open(encoding="utf-8") as handle:
        manifest: dict[str, Any] = json.load(handle)
    return manifest


def iter_rows(export: Path, file_name: str) -> Iterator[dict[str, Any]]:
    """Data rows of one export file (header, title block and totals row excluded)."""
    info = load_manifest(export)["files"][file_name]
    path = export / file_name
    if info["format"] == "csv":
        with path.open(encoding=info["encoding"], newline="") as handle:
            yield from csv.DictReader(handle, delimiter=info["delimiter"])
    elif info["format"] == "xlsx":
        yield from _xlsx_rows(path, info["header_row"], info["totals_row"])
    elif info["format"] == "jsonl":
        with path.open(encoding="utf-8") as handle:
            yield from (json.loads(line) for line in handle)
    else:
        with path.open(encoding="utf-8") as handle:
            yield from json.load(handle)


def _xlsx_rows(path: Path, header_row: int, totals_row: bool) -> Iterator[dict[str, Any]]:
    book = load_workbook(path, read_only=True)
    try:
        rows = book.active.iter_rows(min_row=header_row, values_only=True)
        header = [str(name) for name in next(rows)]
        pending: dict[str, Any] | None = None
        for values in rows:
            if pending is not None:
                yield pending
            pending = dict(zip(header, values, strict=False))
        if pending is not None and not (totals_row and pending[header[0]] == "Total"):
            yield pending
    finally:
        book.close()
