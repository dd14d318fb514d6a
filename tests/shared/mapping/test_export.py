"""Claims leave as CSV + JSON for the external billing system."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from shared.mapping.compiler import compile_map
from shared.mapping.export import write_export
from shared.mapping.loader import default_map_path, load_map
from shared.mapping.results import Row
from tests.fixtures.mapping import practice_records, run_context


def test_claims_are_exported_as_csv_and_json_with_the_same_rows(tmp_path: Path) -> None:
    compiled = compile_map(load_map(default_map_path("dataverse", "generic_csv")), run_context())
    claim = practice_records("generic_csv")["claim"]
    odd = claim.model_copy(update={"source_id": "CL2", "claim_number": "=HYPERLINK(1)"})
    table = compiled.tables["claim_export"]
    assert table.operation == "export"
    result = table.transform([claim, odd])
    csv_path, json_path = write_export(result.rows, tmp_path, table.table)
    with csv_path.open(encoding="utf-8", newline="") as handle:
        lines = list(csv.DictReader(handle))
    records = json.loads(json_path.read_text(encoding="utf-8"))
    assert [r["claim_number"] for r in lines] == ["CLM-9", "'=HYPERLINK(1)"]
    assert [r["claim_number"] for r in records] == ["CLM-9", "=HYPERLINK(1)"]
    assert lines[0]["total_billed"] == "120.5" and records[0]["total_billed"] == 120.5
    assert records[0]["new_sourceid"] == "generic_csv.claim.CL1"
    assert "overriddencreatedon" not in records[0]


def test_export_entries_need_nothing_from_the_destination_schema() -> None:
    compiled = compile_map(load_map(default_map_path("dataverse", "generic_csv")), run_context())
    tables = {t.logical_name for t in compiled.schema_needs().tables}
    assert "claims" not in tables and "invoices" not in tables


def test_phone_numbers_and_amounts_stay_readable_while_formulas_are_neutralised(
    tmp_path: Path,
) -> None:
    payloads = [{"phone": "+44 20 7946 0958", "adjustment": "-12.50", "note": "@SUM(A1:A9)",
                 "reference": "-2+3+cmd|' /C calc'!A0"}]  # fmt: skip
    rows = [Row(entry="claims", key=f"k{i}", payload=p, deferred={}, file="claims.csv",
                source_row=i) for i, p in enumerate(payloads)]  # fmt: skip
    csv_path, _ = write_export(rows, tmp_path, "claims")
    with csv_path.open(encoding="utf-8", newline="") as handle:
        (line,) = list(csv.DictReader(handle))
    assert line == {"phone": "+44 20 7946 0958", "adjustment": "-12.50",
                    "note": "'@SUM(A1:A9)", "reference": "'-2+3+cmd|' /C calc'!A0"}  # fmt: skip
