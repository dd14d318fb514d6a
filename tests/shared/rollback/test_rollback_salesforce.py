"""The same rollback against the Salesforce emulator: the org is put back as it was."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from azure.data.tables import TableServiceClient
from azure.storage.blob import BlobServiceClient

from shared.destinations.salesforce import SalesforceDestination
from shared.ledger import AuditLedger, BlobStaging
from shared.rollback import RollbackContext, rollback_table, rollback_units
from tests.fixtures.salesforce_destination import aerona_needs, salesforce_settings
from tests.shared.rollback.loadkit import load

pytestmark = pytest.mark.integration
ORDER = [("patient_contact", "Contact"), ("invoice", "Invoice__c")]


def patient(n: int, run: str, **extra: Any) -> dict[str, Any]:
    """A contact row as the map renders it: the run id travels in the payload (provenance)."""
    return {"Source_Id__c": f"aerona.patient.{n}", "LastName": f"Patient{n}",
            "Source_System__c": "aerona", "Migration_Run_Id__c": run, **extra}  # fmt: skip


def invoice(n: int, patient_n: int, run: str) -> dict[str, Any]:
    return {"Source_Id__c": f"aerona.invoice.{n}", "Name": f"INV{n}", "Amount__c": 10.25,
            "Contact__r.Source_Id__c": f"aerona.patient.{patient_n}",
            "Migration_Run_Id__c": run}  # fmt: skip


def test_salesforce_rollback_restores_the_snapshot(
    fresh_salesforce: Any, storage_connection_string: str
) -> None:
    ledger = AuditLedger(TableServiceClient.from_connection_string(storage_connection_string))
    staging = BlobStaging(BlobServiceClient.from_connection_string(storage_connection_string))
    settings = salesforce_settings(fresh_salesforce, bulk_min_records=0)
    run_id = f"run-{uuid.uuid4().hex[:8]}"

    async def scenario() -> dict[str, Any]:
        destination = SalesforceDestination(settings)
        try:
            await destination.apply_schema(await destination.plan_schema(aerona_needs()))
            earlier = [patient(n, "run-earlier", Email=f"p{n}@old.example") for n in (1, 2)]
            await load(destination, None, staging, "run-earlier", "Contact", earlier, "c0")
            fresh_salesforce.snapshot("before")
            started = datetime.now(UTC)
            people = [patient(1, run_id, Email="p1@new.example"), patient(3, run_id),
                      patient(4, run_id)]  # fmt: skip
            lost = ["aerona.patient.4"]  # written, but its ledger row is lost
            await load(destination, ledger, staging, run_id, "Contact", people, "c1",
                       entry="patient_contact", lose=lost)  # fmt: skip
            invoices = [invoice(1, 3, run_id), invoice(2, 1, run_id)]
            await load(destination, ledger, staging, run_id, "Invoice__c", invoices, "i1",
                       entry="invoice")  # fmt: skip
            assert fresh_salesforce.diff("before")["created"]
            context = RollbackContext(destination, ledger, staging, run_id, "op", started)
            units = rollback_units(ORDER, ledger.tables_touched(run_id))
            return {u.table: await rollback_table(context, u.table, u.entries) for u in units}
        finally:
            await destination.aclose()

    outcome = asyncio.run(scenario())

    changes = fresh_salesforce.diff("before")
    assert changes["created"] == [] and changes["deleted"] == []
    assert [u["fields"] for u in changes["updated"]] == []
    assert (outcome["Contact"].deleted, outcome["Contact"].restored) == (2, 1)
    assert outcome["Contact"].untracked == 1 and outcome["Invoice__c"].deleted == 2
