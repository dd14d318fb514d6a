"""Reconciliation of a run loaded into the emulator, then a fix-back pass that closes the gaps."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from azure.data.tables import TableServiceClient
from azure.storage.blob import BlobServiceClient

from shared.destinations.dataverse import DataverseDestination
from shared.destinations.map_needs import needs_from_map
from shared.destinations.schema import SchemaPlan
from shared.ledger import AuditLedger, BlobStaging, page_blob_name
from shared.mapping.compiler import CompiledMap, compile_map
from shared.mapping.context import RunContext
from shared.mapping.loader import parse_map
from shared.reconcile import (
    CountByTotal,
    Reconciliation,
    SumTotal,
    load_totals,
    reconcile,
    render_reconciliation_html,
    staged_records,
    totals_path,
)
from tests.fixtures.dataverse_destination import emulator_settings
from tests.shared.reports.test_diff import MAP, sample
from tests.shared.rollback.loadkit import load

pytestmark = pytest.mark.integration
TOTALS = [
    SumTotal(name="invoice_amounts", label="Sum of invoice amounts", entry="invoice",
             source="total", column="new_amount"),
    SumTotal(name="invoice_balances", label="Sum of balances", entry="invoice",
             source="balance", column="new_balance"),
    CountByTotal(name="invoices_per_patient", label="Invoices per patient", entry="invoice",
                 column="new_PatientId@odata.bind"),
    CountByTotal(name="patients_per_gender", label="Patients per gender",
                 entry="patient_contact", column="gendercode"),
    SumTotal(name="procedure_fees", label="Procedure fees", entry="treatment_plan_line",
             source="fee", column="new_estimatedcost"),
]  # fmt: skip


@pytest.fixture
def storage(storage_connection_string: str) -> tuple[AuditLedger, BlobStaging]:
    ledger = AuditLedger(TableServiceClient.from_connection_string(storage_connection_string))
    staging = BlobStaging(BlobServiceClient.from_connection_string(storage_connection_string))
    return ledger, staging


def destination_for(emulator: Any) -> DataverseDestination:
    return DataverseDestination(emulator_settings(emulator))


def run_load(
    emulator: Any,
    storage: tuple[AuditLedger, BlobStaging],
    the_map: CompiledMap,
    run_id: str,
    only: dict[str, list[str]] | None = None,
    batch: str = "main",
) -> None:
    """Transforms the staged records (or only the fix-back ones) and loads them, audited."""
    ledger, staging = storage
    destination = destination_for(emulator)

    async def work() -> None:
        for name in ("patient_contact", "invoice"):
            entry = the_map.tables[name]
            kind = str(entry.source_kind)
            records = list(staged_records(staging, run_id, kind))
            if only is not None:
                records = [r for r in records if r.source_id in only.get(kind, [])]
            rows = entry.transform(records).rows
            if rows:
                await load(destination, ledger, staging, run_id, entry.table,
                           [r.payload for r in rows], f"{entry.table}.{batch}")  # fmt: skip

    asyncio.run(_closing(destination, work()))


async def _closing(destination: DataverseDestination, work: Any) -> Any:
    try:
        return await work
    finally:
        await destination.aclose()


def reconciled(
    emulator: Any, storage: tuple[AuditLedger, BlobStaging], the_map: CompiledMap, run_id: str
) -> Reconciliation:
    ledger, staging = storage
    destination = destination_for(emulator)
    work = reconcile(destination, the_map, staging, ledger, run_id, TOTALS,
                     quarantined={"patient": 2})  # fmt: skip
    result: Reconciliation = asyncio.run(_closing(destination, work))
    return result


def stage(staging: BlobStaging, run_id: str, records: Iterable[Any]) -> None:
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_kind.setdefault(record.kind, []).append(record.model_dump(mode="json"))
    for kind, documents in by_kind.items():
        staging.write_jsonl(page_blob_name(run_id, kind, 0), documents)


def test_gaps_are_found_in_the_destination_and_fixed_back(
    fresh_dataverse: Any, storage: tuple[AuditLedger, BlobStaging]
) -> None:
    run_id = f"run-{uuid.uuid4().hex[:8]}"
    records = [r for r in sample() if r.source_id != "I9"]  # every invoice has its patient
    stage(storage[1], run_id, records)
    the_map = compile_map(parse_map(MAP), RunContext(run_id=run_id), map_sha256="ab" * 32)
    setup = destination_for(fresh_dataverse)
    plan = SchemaPlan(destination="dataverse", needs=needs_from_map(the_map.schema_needs()))
    assert asyncio.run(_closing(setup, setup.apply_schema(plan))).satisfied
    run_load(fresh_dataverse, storage, the_map, run_id)

    clean = reconciled(fresh_dataverse, storage, the_map, run_id)
    assert clean.reconciled, clean.reasons
    amounts = next(t for t in clean.totals if t.name == "invoice_amounts")
    assert amounts.source == amounts.destination == Decimal("361.50")
    assert {t.name: t.status for t in clean.totals}["procedure_fees"] == "not_applicable"
    contacts = next(t for t in clean.tables if t.table == "contact")
    assert (contacts.expected, contacts.destination_count, contacts.quarantined) == (4, 4, 2)
    assert (contacts.written, contacts.rejected_by_destination) == (4, 0)  # from the ledger

    with fresh_dataverse.client(user=1) as other:  # the destination drifts after the load
        rows = other.get("new_patientinvoices", params={"$select": "new_patientinvoiceid,new_name"})
        ids = {r["new_name"]: r["new_patientinvoiceid"] for r in rows.json()["value"]}
        assert other.delete(f"new_patientinvoices({ids['INV-2']})").is_success
        assert other.patch(f"new_patientinvoices({ids['INV-3']})",
                           json={"new_amount": 99.0}).is_success  # fmt: skip

    drifted = reconciled(fresh_dataverse, storage, the_map, run_id)

    assert not drifted.reconciled
    assert drifted.fixback_keys() == {"invoice": ["I2", "I3"]}
    assert {(g.source_id, g.problem) for g in drifted.gaps} == {("I2", "missing"),
                                                                ("I3", "different")}  # fmt: skip
    assert {t.name for t in drifted.totals if t.status == "differ"} == {
        "invoice_amounts", "invoice_balances", "invoices_per_patient"}  # fmt: skip
    assert any("new_patientinvoice: 3 records expected, 2 stamped" in r for r in drifted.reasons)
    page = render_reconciliation_html(drifted)
    assert "not reconciled" in page and "aerona.invoice.I2" in page

    run_load(fresh_dataverse, storage, the_map, run_id, only=drifted.fixback_keys(),
             batch="fixback")  # fmt: skip
    fixed = reconciled(fresh_dataverse, storage, the_map, run_id)
    assert fixed.reconciled, fixed.reasons
    assert '"reconciled": true' in fixed.to_json()


def test_declared_totals_files_load() -> None:
    totals = load_totals(totals_path("dataverse", "aerona"))
    assert {t.name for t in totals} >= {"invoice_amounts", "patients_per_location"}


def test_a_bad_totals_file_names_the_place(tmp_path: Path) -> None:
    bad = tmp_path / "totals.yaml"
    bad.write_text("totals:\n  - {kind: sum, name: x, label: X, entry: invoice}\n")
    with pytest.raises(ValueError, match=r"totals.yaml: totals\.0\.sum\.source"):
        load_totals(bad)
