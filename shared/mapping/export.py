"""Entries with `operation: export` (e.g. claims for an external billing system): CSV + JSON.

The export carries the same columns the map produced, one row per record, with the source key.
Text that a spreadsheet would run as a formula is neutralised in the CSV (JSON keeps it as is);
phone numbers and amounts such as "+44 20 7946 0958" or "-12.50" stay as they are.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from shared.mapping.results import Row
from shared.quality.formulas import neutralising_writer


def export_columns(rows: Sequence[Row]) -> list[str]:
    """Every column of the rows, in first-seen order (the CSV header)."""
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row.payload))
    return list(columns)


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def write_export(rows: Sequence[Row], directory: Path | str, name: str) -> tuple[Path, Path]:
    """Write `<name>.csv` and `<name>.json` (an array of objects) into a directory.

    Args:
        rows: the export entry's rows (TransformResult.rows).
        directory: where to write; created if missing.
        name: the file stem, usually the entry's `table` (e.g. `claims`).

    Returns:
        The CSV and JSON paths.
    """
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    columns = export_columns(rows)
    csv_path, json_path = target / f"{name}.csv", target / f"{name}.json"
    with csv_path.open("w", encoding="utf-8", newline="") as handle:
        writer = neutralising_writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_cell(row.payload.get(c)) for c in columns])
    records = [{c: row.payload.get(c) for c in columns} for row in rows]
    json_path.write_text(json.dumps(records, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return csv_path, json_path
