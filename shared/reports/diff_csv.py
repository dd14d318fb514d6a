"""The field-level diff as CSV, every text cell made inert for spreadsheets."""

from __future__ import annotations

import io
import json
from typing import Any

from shared.quality.formulas import neutralise_cell, neutralising_writer
from shared.reports.diff import VERDICT_LABELS, DiffReport

COLUMNS = ("table", "entry", "key", "column", "source_value", "sent", "read_back",
           "read_back_label", "transformation", "verdict", "reason")  # fmt: skip


def _cell(value: Any) -> Any:
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False)
    return neutralise_cell("" if value is None else value)


def render_diff_csv(report: DiffReport) -> str:
    """One line per record x column, in the report's order.

    Args:
        report: the field-level diff.

    Returns:
        CSV text with a header row; values that look like formulas start with an apostrophe.
    """
    out = io.StringIO()
    writer = neutralising_writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for item in report.fields:
        row = item.model_dump()
        row["verdict"] = VERDICT_LABELS[item.verdict]
        writer.writerow([_cell(row[name]) for name in COLUMNS])
    return out.getvalue()
