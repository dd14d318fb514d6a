"""A run performed directly with the Dataverse destination + ledger, as the load step records it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from shared.destinations.base import Destination, WriteOptions
from shared.destinations.dataverse import DataverseDestination
from shared.destinations.schema import ColumnNeed, SchemaNeeds, SchemaPlan, TableNeed
from shared.ledger import AuditLedger, AuditRow, BlobStaging, before_image_blob_name
from tests.fixtures.dataverse_destination import emulator_settings

T = TypeVar("T")
MAP_HASH = "cd" * 32
ENTRIES = {"contact": "patient_contact", "new_patientinvoice": "invoice"}
LOAD_ORDER = [("patient_contact", "contact"), ("invoice", "new_patientinvoice")]
NEEDS = SchemaNeeds(
    map_hash="trust-test",
    tables=[
        TableNeed(name="contact", custom=False),
        TableNeed(
            name="new_patientinvoice",
            custom=True,
            schema_name="new_PatientInvoice",
            label="Patient invoice",
            columns=[
                ColumnNeed(name="new_amount", type="money"),
                ColumnNeed(name="new_balance", type="money"),
                ColumnNeed(name="new_status", type="string", max_length=40),
                ColumnNeed(
                    name="new_patientid",
                    schema_name="new_PatientId",
                    type="lookup",
                    targets=["contact"],
                ),
            ],
        ),
    ],
)


def run_async(destination: DataverseDestination, work: Callable[[], Awaitable[T]]) -> T:
    """Runs `work` and closes the destination's connections."""

    async def go() -> T:
        try:
            return await work()
        finally:
            await destination.aclose()

    return asyncio.run(go())


def provisioned(emulator: Any, **settings: Any) -> DataverseDestination:
    """A destination on an environment that has everything NEEDS asks for."""
    destination = DataverseDestination(emulator_settings(emulator, **settings))
    plan = run_async(
        destination,
        lambda: destination.apply_schema(SchemaPlan(destination="dataverse", needs=NEEDS)),
    )
    assert plan.satisfied, plan.missing()
    return DataverseDestination(emulator_settings(emulator, **settings))


def contact(n: int, **extra: Any) -> dict[str, Any]:
    """A patient's contact row as the map renders it (no real data)."""
    return {
        "new_sourceid": f"aerona.patient.P{n:04d}",
        "new_sourcesystem": "aerona",
        "lastname": f"Example{n}",
        "firstname": "Test",
        **extra,
    }


def invoice(n: int, patient: int, amount: str, balance: str = "0", **extra: Any) -> dict[str, Any]:
    """An invoice row bound to a patient's contact by alternate key."""
    return {
        "new_sourceid": f"aerona.invoice.I{n:04d}",
        "new_sourcesystem": "aerona",
        "new_name": f"INV-{n}",
        "new_amount": float(amount),
        "new_balance": float(balance),
        "new_status": "Paid" if balance == "0" else "Outstanding",
        "new_PatientId@odata.bind": f"/contacts(new_sourceid='aerona.patient.P{patient:04d}')",
        **extra,
    }


async def load(
    destination: Destination,
    ledger: AuditLedger | None,
    staging: BlobStaging,
    run_id: str,
    table: str,
    records: Sequence[dict[str, Any]],
    batch: str,
    *,
    entry: str | None = None,
    lose: Sequence[str] = (),
) -> dict[str, int]:
    """Writes one batch, stores its before-images and audits it; `lose` drops those ledger rows.

    Like the load step: ledger rows and before-images are kept under the map entry's name.
    """
    entry = entry or ENTRIES.get(table, table)
    result = await destination.write(table, records, WriteOptions(run_id=run_id, batch_id=batch))
    blob = None
    if result.before_images:
        blob = before_image_blob_name(run_id, entry, batch)
        staging.write_jsonl(blob, (image.model_dump() for image in result.before_images))
    if ledger is not None:
        ledger.record(
            AuditRow(
                run_id=run_id,
                table=entry,
                pass_id="full",
                source_key=r.key,
                operation=r.status,
                destination_id=r.id,
                before_image_blob=blob if r.status == "updated" else None,
                reason_code=r.reason_code,
                operator="op@clinic.example",
                confirmed_map_hash=MAP_HASH,
                batch_id=batch,
            )
            for r in result.results
            if r.key not in lose
        )
    return result.counts()
