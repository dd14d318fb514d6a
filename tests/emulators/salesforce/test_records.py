"""REST sObject describe, CRUD and upsert by external id, with Salesforce's record rules."""

from __future__ import annotations

from tests.emulators.salesforce.helpers import prepare_org
from tests.fixtures.salesforce_emulator import INTEGRATION, SalesforceEmulator


def test_describe_lists_standard_fields_with_their_properties(
    fresh_salesforce: SalesforceEmulator,
) -> None:
    with fresh_salesforce.client() as client:
        account = client.get("sobjects/Account/describe").json()
        user = client.get("sobjects/User/describe").json()
        missing = client.get("sobjects/Nope__c/describe")
    fields = {f["name"]: f for f in account["fields"]}
    assert account["keyPrefix"] == "001"
    assert fields["ParentId"]["referenceTo"] == ["Account"]
    assert fields["ParentId"]["relationshipName"] == "Parent"
    assert fields["Name"]["nillable"] is False
    assert fields["CreatedDate"]["createable"] is True  # the user may Set Audit Fields
    assert fields["SystemModstamp"]["createable"] is False
    assert {"IsActive", "Email"} <= {f["name"] for f in user["fields"]}
    assert missing.status_code == 404 and missing.json()[0]["errorCode"] == "NOT_FOUND"


def test_create_read_update_delete(fresh_salesforce: SalesforceEmulator) -> None:
    with fresh_salesforce.client() as client:
        created = client.post("sobjects/Account", json={"Name": "Smile Dental"})
        account_id = created.json()["id"]
        updated = client.patch(f"sobjects/Account/{account_id}", json={"BillingCity": "Leeds"})
        read = client.get(f"sobjects/Account/{account_id}").json()
        deleted = client.delete(f"sobjects/Account/{account_id}")
        gone = client.get(f"sobjects/Account/{account_id}")
    assert created.status_code == 201 and account_id.startswith("001") and len(account_id) == 18
    assert updated.status_code == 204
    assert read["BillingCity"] == "Leeds" and read["OwnerId"] == fresh_salesforce.user_id(
        INTEGRATION
    )
    assert deleted.status_code == 204 and gone.status_code == 404


def test_record_rules_give_salesforce_error_codes(fresh_salesforce: SalesforceEmulator) -> None:
    with fresh_salesforce.client() as client:
        missing = client.post("sobjects/Contact", json={"FirstName": "Ada"})
        unknown = client.post("sobjects/Contact", json={"LastName": "A", "Shoe__c": "x"})
        with_id = client.post("sobjects/Account", json={"Name": "A", "Id": "001000000000001"})
        too_long = client.post("sobjects/Contact", json={"LastName": "x" * 81})
        bad_date = client.post("sobjects/Contact", json={"LastName": "A", "Birthdate": "1/2/80"})
        bad_ref = client.post(
            "sobjects/Contact", json={"LastName": "A", "AccountId": "001Hn0000000099IAA"}
        )
    assert missing.status_code == 400
    assert missing.json() == [
        {
            "message": "Required fields are missing: [LastName]",
            "errorCode": "REQUIRED_FIELD_MISSING",
            "fields": ["LastName"],
        }
    ]
    assert unknown.json()[0]["errorCode"] == "INVALID_FIELD"
    assert with_id.json()[0]["errorCode"] == "INVALID_FIELD"
    assert too_long.json()[0]["errorCode"] == "STRING_TOO_LONG"
    assert bad_date.json()[0]["errorCode"] == "INVALID_TYPE_ON_FIELD_IN_RECORD"
    assert bad_ref.json()[0]["errorCode"] == "INVALID_CROSS_REFERENCE_KEY"


def test_upsert_by_external_id_creates_then_updates(fresh_salesforce: SalesforceEmulator) -> None:
    with fresh_salesforce.client() as client:
        prepare_org(client, fresh_salesforce.user_id(INTEGRATION))
        first = client.patch(
            "sobjects/Contact/Source_Id__c/aerona.patient.1", json={"LastName": "A"}
        )
        second = client.patch(
            "sobjects/Contact/Source_Id__c/aerona.patient.1", json={"LastName": "B"}
        )
        bad_field = client.patch("sobjects/Contact/Nope__c/1", json={"LastName": "B"})
        read = client.get("sobjects/Contact/Source_Id__c/aerona.patient.1").json()
    assert first.status_code == 201 and first.json()["created"] is True
    assert second.status_code == 200 and second.json()["created"] is False
    assert second.json()["id"] == first.json()["id"]
    assert read["LastName"] == "B"
    assert bad_field.status_code == 404


def test_audit_fields_need_the_org_setting_and_the_permission_and_only_on_insert(
    fresh_salesforce: SalesforceEmulator,
) -> None:
    stamp = "2019-05-06T07:08:09.000Z"
    with fresh_salesforce.client() as client:
        kept = client.post("sobjects/Account", json={"Name": "Old", "CreatedDate": stamp})
        on_update = client.patch(
            f"sobjects/Account/{kept.json()['id']}", json={"CreatedDate": stamp}
        )
        fresh_salesforce.settings(audit_fields_org_setting=False)
        refused = client.post("sobjects/Account", json={"Name": "Old", "CreatedDate": stamp})
    record = fresh_salesforce.records("Account")[0]
    assert kept.status_code == 201 and record["CreatedDate"] == "2019-05-06T07:08:09.000+0000"
    assert on_update.json()[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert refused.json()[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_inactive_owner_is_refused_unless_the_user_may_update_with_inactive_owners(
    fresh_salesforce: SalesforceEmulator,
) -> None:
    former = fresh_salesforce.user_id("former@smile.test")
    with fresh_salesforce.client() as client:
        refused = client.post("sobjects/Account", json={"Name": "A", "OwnerId": former})
        fresh_salesforce.set_user(INTEGRATION, permissions=["UpdateWithInactiveOwner"])
        allowed = client.post("sobjects/Account", json={"Name": "A", "OwnerId": former})
    assert refused.json()[0]["errorCode"] == "INACTIVE_OWNER_OR_USER"
    assert allowed.status_code == 201


def test_a_timed_event_needs_a_duration_or_an_end(fresh_salesforce: SalesforceEmulator) -> None:
    start = "2024-07-01T09:00:00Z"
    with fresh_salesforce.client() as client:
        missing = client.post("sobjects/Event", json={"Subject": "Exam", "StartDateTime": start})
        timed = client.post(
            "sobjects/Event",
            json={"Subject": "Exam", "StartDateTime": start, "DurationInMinutes": 30},
        )
        all_day = client.post(
            "sobjects/Event", json={"Subject": "Clinic closed", "IsAllDayEvent": True}
        )
    assert missing.json()[0]["fields"] == ["DurationInMinutes"]
    assert timed.status_code == 201 and all_day.status_code == 201
    events = {e["Subject"]: e for e in fresh_salesforce.records("Event")}
    assert events["Exam"]["ActivityDateTime"] == "2024-07-01T09:00:00.000+0000"
