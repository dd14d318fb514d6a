"""The shipped AeronaClinic -> Salesforce map's payloads load into the emulator as they are:
relationship columns by external id, user ids, CreatedDate, pick-list values, a deferred
self-lookup, an update-only merge, and a document's file."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from shared.destinations.base import WriteOptions
from shared.destinations.salesforce import SalesforceDestination
from shared.mapping.compiler import compile_map
from shared.mapping.loader import MAPPINGS_DIR, load_map
from tests.fixtures.mapping import practice_records, run_context
from tests.fixtures.salesforce_destination import aerona_needs, salesforce_settings
from tests.fixtures.salesforce_emulator import INTEGRATION, SalesforceEmulator

pytestmark = pytest.mark.integration
ORDER = ["location_account", "patient_contact", "coverage_contact", "appointment", "treatment",
         "clinical_note", "document", "invoice"]  # fmt: skip


def test_every_written_entry_of_the_map_lands(fresh_salesforce: SalesforceEmulator) -> None:
    records = practice_records("aerona")
    records["location_parent"] = records["location"].model_copy(
        update={"source_id": "L1", "parent_location_id": None, "name": "Smile Group"}
    )
    clinician = fresh_salesforce.user_id("dr.jones@smile.test")
    context = run_context(owners={"S1": clinician}, fallback_owner=fresh_salesforce.user_id(
        INTEGRATION))  # fmt: skip
    tables = compile_map(load_map(MAPPINGS_DIR / "salesforce/aerona.yaml"), context).tables
    destination = SalesforceDestination(salesforce_settings(fresh_salesforce, bulk_min_records=0))
    outcomes: dict[str, Any] = {}

    async def work() -> None:
        try:
            await destination.apply_schema(await destination.plan_schema(aerona_needs()))
            parent = tables["location_account"].transform([records["location_parent"]]).rows
            await destination.write("Account", [parent[0].payload], WriteOptions(first_load=True))
            for entry in ORDER:
                table = tables[entry]
                assert table.source_kind is not None
                (row,) = table.transform([records[table.source_kind]]).rows
                options = WriteOptions(first_load=True, update_only=table.update_only,
                                       run_id="run-0001")  # fmt: skip
                result = await destination.write(table.table, [row.payload], options)
                outcomes[entry] = result.results[0]
                if row.deferred:
                    deferred = {table.key_column: row.key, **row.deferred}
                    await destination.write(table.table, [deferred], WriteOptions())
                if row.attachment is not None and result.results[0].id:
                    await destination.upload_file(
                        result.results[0].id, row.attachment.file_name, b"%PDF-1.7 test"
                    )
        finally:
            await destination.aclose()

    asyncio.run(work())
    assert {entry: r.status for entry, r in outcomes.items()} == {
        "location_account": "created", "patient_contact": "created",
        "coverage_contact": "updated", "appointment": "created", "treatment": "created",
        "clinical_note": "created", "document": "created", "invoice": "created",
    }  # fmt: skip
    accounts = {a["Source_Id__c"]: a for a in fresh_salesforce.records("Account")}
    (contact,) = fresh_salesforce.records("Contact")
    (appointment,) = fresh_salesforce.records("Appointment__c")
    (treatment,) = fresh_salesforce.records("Treatment__c")
    assert accounts["aerona.location.L2"]["ParentId"] == accounts["aerona.location.L1"]["Id"]
    assert contact["AccountId"] == accounts["aerona.location.L2"]["Id"]
    assert contact["OwnerId"] == clinician and contact["Practitioner__c"] == clinician
    assert contact["Insurance_Policy_Number__c"] and contact["NHS_Number__c"]
    assert contact["CreatedDate"] == "2021-03-04T09:30:00.000+0000"
    assert appointment["Contact__c"] == contact["Id"] and appointment["Status__c"] == "No Show"
    assert treatment["Appointment__c"] == appointment["Id"]
    (link,) = fresh_salesforce.records("ContentDocumentLink")
    assert link["LinkedEntityId"] == fresh_salesforce.records("Document__c")[0]["Id"]


def test_update_only_never_creates(fresh_salesforce: SalesforceEmulator) -> None:
    destination = SalesforceDestination(salesforce_settings(fresh_salesforce, bulk_min_records=0))
    row = {"Source_Id__c": "aerona.patient.404", "Insurance_Provider__c": "Bupa Dental"}

    async def work() -> Any:
        try:
            await destination.apply_schema(await destination.plan_schema(aerona_needs()))
            return await destination.write("Contact", [row], WriteOptions(update_only=True))
        finally:
            await destination.aclose()

    result = asyncio.run(work())
    assert result.results[0].reason_code == "record_missing"
    assert fresh_salesforce.records("Contact") == []
