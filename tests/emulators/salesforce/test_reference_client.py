"""simple-salesforce (PyPI), unmodified, against the emulator over HTTPS with its CA trusted:
REST CRUD, upsert, SOQL, describe, API usage and Bulk API 2.0 insert/upsert/results/delete."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from tests.emulators.salesforce.helpers import prepare_org
from tests.fixtures.salesforce_emulator import API_VERSION, INTEGRATION, SalesforceEmulator


@pytest.fixture
def sf(fresh_salesforce: SalesforceEmulator) -> Iterator[Salesforce]:
    session = requests.Session()
    session.verify = str(fresh_salesforce.ca_file)
    session.trust_env = False
    token = fresh_salesforce.token()
    client = Salesforce(
        instance_url=token["instance_url"], session_id=token["access_token"],
        session=session, version=API_VERSION,
    )  # fmt: skip
    yield client
    session.close()


def test_rest_crud_query_and_usage(sf: Salesforce) -> None:
    created = sf.Account.create({"Name": "Smile Dental"})
    sf.Account.update(created["id"], {"BillingCity": "Leeds"})
    record = sf.Account.get(created["id"])
    result = sf.query("SELECT Id, Name, BillingCity FROM Account WHERE Name LIKE 'Smile%'")
    described = sf.Contact.describe()
    assert created["success"] and record["BillingCity"] == "Leeds"
    assert result["totalSize"] == 1 and result["records"][0]["Id"] == created["id"]
    assert any(f["name"] == "LastName" for f in described["fields"])
    assert sf.api_usage["api-usage"].total == 1_000_000  # parsed from Sforce-Limit-Info
    sf.Account.delete(created["id"])
    assert sf.query("SELECT COUNT() FROM Account")["totalSize"] == 0


def test_errors_surface_as_simple_salesforce_exceptions(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Contact.create({"FirstName": "NoLastName"})
    assert caught.value.content[0]["errorCode"] == "REQUIRED_FIELD_MISSING"


def test_upsert_by_external_id(sf: Salesforce, fresh_salesforce: SalesforceEmulator) -> None:
    with fresh_salesforce.client() as client:
        prepare_org(client, fresh_salesforce.user_id(INTEGRATION))
    assert sf.Contact.upsert("Source_Id__c/aerona.patient.1", {"LastName": "A"}) == 201
    assert sf.Contact.upsert("Source_Id__c/aerona.patient.1", {"LastName": "B"}) == 200
    assert sf.Contact.get_by_custom_id("Source_Id__c", "aerona.patient.1")["LastName"] == "B"


def test_query_all_follows_next_records_url(sf: Salesforce) -> None:
    sf.bulk2.Account.insert(records=[{"Name": f"A{i}"} for i in range(2500)], wait=0.05)
    records = sf.query_all("SELECT Id FROM Account")["records"]
    assert len(records) == 2500


def test_bulk2_insert_upsert_results_and_delete(
    sf: Salesforce, fresh_salesforce: SalesforceEmulator
) -> None:
    with fresh_salesforce.client() as client:
        prepare_org(client, fresh_salesforce.user_id(INTEGRATION))
    rows = [{"LastName": f"P{i}", "Source_Id__c": f"aerona.patient.{i}"} for i in range(50)]
    inserted = sf.bulk2.Contact.insert(records=rows, wait=0.05)
    upserted = sf.bulk2.Contact.upsert(
        records=[*rows[:10], {"LastName": "", "Source_Id__c": "aerona.patient.x"}],
        external_id_field="Source_Id__c", wait=0.05,
    )  # fmt: skip
    failed = sf.bulk2.Contact.get_failed_records(upserted[0]["job_id"])
    ok = sf.bulk2.Contact.get_successful_records(inserted[0]["job_id"])
    ids = [{"Id": r["Id"]} for r in sf.query_all("SELECT Id FROM Contact")["records"]]
    deleted = sf.bulk2.Contact.delete(records=ids, wait=0.05)
    assert inserted[0]["numberRecordsProcessed"] == 50 and inserted[0]["numberRecordsFailed"] == 0
    assert upserted[0]["numberRecordsFailed"] == 1
    assert "REQUIRED_FIELD_MISSING" in failed
    assert ok.splitlines()[0].startswith('"sf__Id","sf__Created"')
    assert deleted[0]["numberRecordsProcessed"] == 50
    assert fresh_salesforce.records("Contact") == []
