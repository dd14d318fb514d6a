"""Every row of the five seed pages' object-mapping tables, performed by the shipped maps.

Cases live in cases/seed_rows.yaml: each turns one canonical record of a small linked practice
into the payload the destination writer receives and checks the columns that make the row true.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.mapping.compiler import compile_map
from shared.mapping.custom_fields import definitions_from_records, expand_custom_fields
from shared.mapping.loader import MAPPINGS_DIR, load_map
from shared.model import CanonicalRecord
from tests.fixtures.mapping import practice_records, run_context

CASES_FILE = Path(__file__).parent / "cases" / "seed_rows.yaml"
# The seed pages live in shared/ beside the checkout (CI) or a few levels up (worktrees).
SEEDS = next(
    (
        p / "shared/seeds"
        for p in Path(__file__).resolve().parents[4:]
        if (p / "shared/seeds").is_dir()
    ),
    Path("/nonexistent"),
)
PAIRS = {
    "000_2508579d06baad69": "dataverse/aerona",
    "001_b04a83b2ffd1ffee": "dataverse/generic_csv",
    "002_7d4017f00545cea4": "salesforce/aerona",
    "003_6cff44235111face": "dataverse/drdentes",
    "004_122118dd0348b6bc": "dataverse/core_practice",
}


def _cases() -> list[tuple[str, dict[str, Any]]]:
    document = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
    return [(pair, case) for pair, cases in document.items() for case in cases]


CASES = _cases()


def _records(pair: str, entry: str) -> dict[str, CanonicalRecord]:
    records = practice_records(pair.split("/")[1])
    if entry == "treatment_history":  # treatment history holds completed procedures only
        records["procedure"] = records["procedure"].model_copy(
            update={"status": "completed", "date_completed": date(2024, 7, 3)}
        )
    if entry == "provider_contact":  # staff without a destination user become contacts
        records["staff"] = records["staff"].model_copy(update={"source_id": "S9"})
    return records


@pytest.mark.parametrize(
    ("pair", "case"), CASES, ids=[f"{p}:{c['row']}:{c['entry']}" for p, c in CASES]
)
def test_seed_row_turns_a_canonical_record_into_the_expected_payload(
    pair: str, case: dict[str, Any]
) -> None:
    records = _records(pair, case["entry"])
    spec = load_map(MAPPINGS_DIR / f"{pair}.yaml", options=case.get("options", {}))
    spec = expand_custom_fields(spec, {"patient": definitions_from_records([records["patient"]])})
    assert case["row"] in spec.tables[case["entry"]].seed_rows
    table = compile_map(spec, run_context()).tables[case["entry"]]
    assert table.source_kind is not None
    result = table.transform([records[table.source_kind]])
    assert result.rejected == [] and not result.skipped
    (row,) = result.rows
    expected, deferred = case["expected"], case.get("deferred", {})
    assert {k: row.payload.get(k) for k in expected} == expected
    assert {k: row.deferred.get(k) for k in deferred} == deferred


def _seed_table_rows(seed: str) -> list[str]:
    rows = []
    for line in (SEEDS / f"{seed}.txt").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[2] == "Fully supported":
            rows.append(f"{cells[0]} -> {re.sub(r'(1:1|many:1)$', '', cells[1]).strip()}")
    return rows


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed pages live beside the checkout")
@pytest.mark.parametrize("seed", sorted(PAIRS))
def test_every_row_of_every_seed_page_is_performed_and_tested(seed: str) -> None:
    expected = set(_seed_table_rows(seed))
    spec = load_map(MAPPINGS_DIR / f"{PAIRS[seed]}.yaml")
    assert spec.seed == seed
    assert {row for entry in spec.tables.values() for row in entry.seed_rows} == expected
    assert {case["row"] for pair, case in CASES if pair == PAIRS[seed]} == expected


def test_the_five_seed_pages_have_56_rows() -> None:
    assert len({(pair, case["row"]) for pair, case in CASES}) == 56
