"""Metadata deploys: custom objects and fields, field-level security via permission sets,
check-only validation, the LeadSource value set."""

from __future__ import annotations

import io
import zipfile

from tests.emulators.salesforce.helpers import (
    NS,
    assign_permission_set,
    deploy,
    package_zip,
    run_job,
)
from tests.fixtures.salesforce_emulator import INTEGRATION, SalesforceEmulator


def test_deployed_fields_stay_invisible_until_a_permission_set_grants_them(
    fresh_salesforce: SalesforceEmulator,
) -> None:
    with fresh_salesforce.client() as client:
        result = deploy(client, package_zip())
        before = {f["name"] for f in client.get("sobjects/Contact/describe").json()["fields"]}
        hidden = client.post("sobjects/Contact", json={"LastName": "A", "NHS_Number__c": "1"})
        query = client.get("query", params={"q": "SELECT NHS_Number__c FROM Contact"})
        job = run_job(
            client, {"object": "Contact", "operation": "insert"}, "LastName,NHS_Number__c\nA,1\n"
        )
        assign_permission_set(client, fresh_salesforce.user_id(INTEGRATION))
        after = {f["name"] for f in client.get("sobjects/Contact/describe").json()["fields"]}
        visible = client.post("sobjects/Contact", json={"LastName": "A", "NHS_Number__c": "1"})
    assert result["success"] and result["numberComponentsDeployed"] == 3
    assert "NHS_Number__c" not in before and "NHS_Number__c" in after
    assert hidden.json()[0]["errorCode"] == "INVALID_FIELD"
    assert query.json()[0]["errorCode"] == "INVALID_FIELD"
    assert job["state"] == "Failed"
    assert job["errorMessage"] == "InvalidBatch : Field name not found : NHS_Number__c"
    assert visible.status_code == 201


def test_custom_object_describe_has_external_id_and_lookup(
    fresh_salesforce: SalesforceEmulator,
) -> None:
    with fresh_salesforce.client() as client:
        deploy(client, package_zip())
        assign_permission_set(client, fresh_salesforce.user_id(INTEGRATION))
        described = client.get("sobjects/Appointment__c/describe").json()
        global_names = {o["name"] for o in client.get("sobjects").json()["sobjects"]}
    fields = {f["name"]: f for f in described["fields"]}
    assert described["custom"] is True and described["keyPrefix"].startswith("a")
    assert fields["Source_Id__c"]["externalId"] is True and fields["Source_Id__c"]["unique"]
    assert fields["Contact__c"]["referenceTo"] == ["Contact"]
    assert fields["Contact__c"]["relationshipName"] == "Contact__r"
    assert [v["value"] for v in fields["Status__c"]["picklistValues"]] == ["Booked", "No Show"]
    assert "Appointment__c" in global_names


def test_check_only_validates_without_changing_the_org(
    fresh_salesforce: SalesforceEmulator,
) -> None:
    with fresh_salesforce.client() as client:
        result = deploy(client, package_zip(), check_only=True)
        describe = client.get("sobjects/Appointment__c/describe")
    assert result["success"] and result["checkOnly"]
    assert describe.status_code == 404


def test_a_broken_component_fails_the_whole_deploy(fresh_salesforce: SalesforceEmulator) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("package.xml", f"<Package {NS}/>")
        archive.writestr(
            "objects/Visit__c.object",
            f"<CustomObject {NS}><label>Visit</label><fields><fullName>Bad__c</fullName>"
            f"<type>Hologram</type></fields></CustomObject>",
        )
    with fresh_salesforce.client() as client:
        result = deploy(client, buffer.getvalue())
        describe = client.get("sobjects/Visit__c/describe")
    assert result["success"] is False and result["status"] == "Failed"
    assert "Hologram" in result["details"]["componentFailures"][0]["problem"]
    assert describe.status_code == 404


def test_lead_source_values_are_added_by_a_standard_value_set(
    fresh_salesforce: SalesforceEmulator,
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("package.xml", f"<Package {NS}/>")
        archive.writestr(
            "standardValueSets/LeadSource.standardValueSet",
            f"<StandardValueSet {NS}><standardValue><fullName>Patient Referral</fullName>"
            f"<label>Patient Referral</label><default>false</default></standardValue>"
            f"</StandardValueSet>",
        )
    with fresh_salesforce.client() as client:
        deploy(client, buffer.getvalue())
        fields = client.get("sobjects/Contact/describe").json()["fields"]
    values = [v["value"] for f in fields if f["name"] == "LeadSource" for v in f["picklistValues"]]
    assert values[-1] == "Patient Referral" and "Web" in values
