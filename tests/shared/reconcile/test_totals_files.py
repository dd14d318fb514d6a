"""Every declared total names a column the shipped maps really send (no silent `not applicable`)."""

from __future__ import annotations

import pytest

from shared.mapping.compiler import compile_map
from shared.mapping.loader import default_map_path, load_map
from shared.mapping.results import RowRejected
from shared.reconcile.totals import SumTotal, load_totals, totals_path
from tests.fixtures.mapping import practice_records, run_context

PAIRS = ["aerona", "generic_csv", "drdentes", "core_practice"]
DESTINATION_PAIRS = [("dataverse", pair) for pair in PAIRS] + [("salesforce", "aerona")]


@pytest.mark.parametrize(("destination", "pair"), DESTINATION_PAIRS)
def test_declared_totals_match_the_pair_map(destination: str, pair: str) -> None:
    compiled = compile_map(load_map(default_map_path(destination, pair)), run_context())
    records = practice_records(pair)
    applicable = 0
    for total in load_totals(totals_path(destination, pair)):
        entry = compiled.tables.get(total.entry)
        if entry is None or entry.source_kind not in records:
            continue
        try:
            row = entry.transform_one(records[entry.source_kind])
        except RowRejected:
            continue
        applicable += 1
        computed = isinstance(total, SumTotal) and total.computed
        assert computed or total.column in {**row.payload, **row.deferred}, (pair, total.name)
        if isinstance(total, SumTotal):
            assert total.source.split(".")[0] in type(records[entry.source_kind]).model_fields
    assert applicable >= 3, pair


def test_the_drdentes_pair_reconciles_payments_and_recalls() -> None:
    names = {t.name for t in load_totals(totals_path("dataverse", "drdentes"))}
    assert {"payments", "recalls_per_type", "patients_per_location"} <= names
