"""Contract tests for single-record create, retrieve, update, upsert and delete (items 3-8)."""

from __future__ import annotations

import re

import pytest

from tests.emulators.dataverse.helpers import add_source_key
from tests.fixtures.dataverse_emulator import DataverseEmulator

GUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def test_create_answers_204_with_odata_entity_id(fresh_dataverse: DataverseEmulator) -> None:
    with fresh_dataverse.client() as api:
        response = api.post("accounts", json={"name": "Bright Smile Dental", "revenue": 5000000})
    assert response.status_code == 204
    assert response.content == b""
    assert response.headers["OData-Version"] == "4.0"
    assert re.fullmatch(
        re.escape(fresh_dataverse.api_url) + rf"/accounts\({GUID}\)",
        response.headers["OData-EntityId"],
    )


def test_create_with_representation_answers_201_and_selected_columns(
    fresh_dataverse: DataverseEmulator,
) -> None:
    with fresh_dataverse.client() as api:
        response = api.post(
            "accounts?$select=name,revenue",
            json={"name": "Bright Smile Dental", "revenue": 5000000},
            headers={"Prefer": "return=representation"},
        )
    body = response.json()
    assert response.status_code == 201
    assert "OData-EntityId" not in response.headers
    assert response.headers["Preference-Applied"] == "return=representation"
    assert body["@odata.context"].endswith("/$metadata#accounts(name,revenue)/$entity")
    assert re.fullmatch(r'W/"\d+"', body["@odata.etag"])
    assert set(body) == {"@odata.context", "@odata.etag", "name", "revenue", "accountid"}


def test_money_gets_the_base_currency(fresh_dataverse: DataverseEmulator) -> None:
    with fresh_dataverse.client() as api:
        url = api.post("accounts", json={"name": "A", "revenue": 10.5}).headers["OData-EntityId"]
        without_money = api.post("accounts", json={"name": "B"}).headers["OData-EntityId"]
        currency = api.get("transactioncurrencies?$select=isocurrencycode").json()["value"][0]
        first = api.get(f"{url}?$select=_transactioncurrencyid_value").json()
        second = api.get(f"{without_money}?$select=_transactioncurrencyid_value").json()
    assert currency["isocurrencycode"] == "GBP"
    assert first["_transactioncurrencyid_value"] == currency["transactioncurrencyid"]
    assert second["_transactioncurrencyid_value"] is None


def test_patch_by_id_updates_and_missing_id_with_if_match_is_404(
    fresh_dataverse: DataverseEmulator,
) -> None:
    with fresh_dataverse.client() as api:
        url = api.post("contacts", json={"lastname": "Nowak"}).headers["OData-EntityId"]
        updated = api.patch(url, json={"firstname": "Ewa"}, headers={"If-Match": "*"})
        missing_id = "00000000-0000-0000-0000-000000000001"
        missing = api.patch(
            f"contacts({missing_id})", json={"firstname": "X"}, headers={"If-Match": "*"}
        )
        record = api.get(url).json()
    assert updated.status_code == 204
    assert record["fullname"] == "Ewa Nowak"
    assert missing.status_code == 404
    assert missing.json() == {
        "error": {"code": "", "message": f"contact With Id = {missing_id} Does Not Exist"}
    }


def test_patch_without_if_match_creates_with_the_given_id(
    fresh_dataverse: DataverseEmulator,
) -> None:
    record_id = "5f0c4a1e-2b3d-4c5e-8f9a-0b1c2d3e4f50"
    with fresh_dataverse.client() as api:
        created = api.patch(f"contacts({record_id})", json={"lastname": "Hart"})
        again = api.patch(
            f"contacts({record_id})", json={"lastname": "Hart"}, headers={"If-None-Match": "*"}
        )
        fetched = api.get(f"contacts({record_id})?$select=lastname")
    assert created.status_code == 204
    assert fetched.json()["contactid"] == record_id
    assert again.status_code == 412
    assert again.json()["error"]["message"] == "A record with matching key values already exists."


def test_upsert_by_alternate_key_reports_created_then_updated(
    fresh_dataverse: DataverseEmulator,
) -> None:
    prefer = {"Prefer": "return=representation"}
    with fresh_dataverse.client() as api:
        add_source_key(api)
        plain = api.patch("contacts(new_sourceid='P-1')", json={"lastname": "Okafor"})
        created = api.patch(
            "contacts(new_sourceid='P-2')?$select=contactid",
            json={"lastname": "Becker"},
            headers=prefer,
        )
        updated = api.patch(
            "contacts(new_sourceid='P-2')?$select=contactid",
            json={"lastname": "Becker-Hart", "new_sourceid": "CHANGED"},
            headers=prefer,
        )
        record = api.get("contacts(new_sourceid='P-2')?$select=lastname,new_sourceid").json()
    assert plain.status_code == 204
    assert plain.headers["OData-EntityId"] == (
        f"{fresh_dataverse.api_url}/contacts(new_sourceid='P-1')"
    )
    assert created.status_code == 201
    assert updated.status_code == 200
    assert re.fullmatch(r'W/"\d+"', updated.headers["ETag"])
    assert record["lastname"] == "Becker-Hart"
    assert record["new_sourceid"] == "P-2", "key values in the body are dropped on update"


def test_key_url_on_a_column_that_is_not_a_key_is_400(fresh_dataverse: DataverseEmulator) -> None:
    with fresh_dataverse.client() as api:
        response = api.get("contacts(lastname='Hart')")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "The key in the request URI is not valid for resource 'Microsoft.Dynamics.CRM.contact'. "
        "Ensure that the names and number of key properties match the declared or alternate key "
        "properties for the resource 'Microsoft.Dynamics.CRM.contact'."
    )


def test_duplicate_alternate_key_on_create_is_rejected(fresh_dataverse: DataverseEmulator) -> None:
    with fresh_dataverse.client() as api:
        add_source_key(api)
        first = api.post("contacts", json={"lastname": "A", "new_sourceid": "P-9"})
        second = api.post("contacts", json={"lastname": "B", "new_sourceid": "p-9"})
    assert first.status_code == 204
    assert second.status_code == 412
    assert second.json()["error"]["code"] == "0x80040237"


def test_delete_then_404_and_etag_rules(fresh_dataverse: DataverseEmulator) -> None:
    with fresh_dataverse.client() as api:
        created = api.post(
            "contacts", json={"lastname": "Hart"}, headers={"Prefer": "return=representation"}
        )
        url = f"contacts({created.json()['contactid']})"
        etag = created.json()["@odata.etag"]
        not_modified = api.get(url, headers={"If-None-Match": etag})
        api.patch(url, json={"firstname": "Amelia"})
        stale = api.delete(url, headers={"If-Match": etag})
        deleted = api.delete(url)
        gone = api.delete(url)
    assert not_modified.status_code == 304
    assert stale.status_code == 412
    assert stale.json()["error"]["message"] == (
        "The version of the existing record doesn't match the RowVersion property provided."
    )
    assert deleted.status_code == 204
    assert gone.status_code == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"Name": "x"},
            "Invalid property 'Name' was found in entity 'Microsoft.Dynamics.CRM.account'",
        ),
        ({"new_notyet": "x"}, "Invalid property 'new_notyet' was found in entity"),
    ],
)
def test_unknown_body_property_is_400(
    fresh_dataverse: DataverseEmulator, body: dict[str, str], message: str
) -> None:
    with fresh_dataverse.client() as api:
        response = api.post("accounts", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "0x0"
    assert message in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("contacts", [{"lastname": "x"}]),
        ("appointments", {"subject": "x", "appointment_activity_parties": ["not an object"]}),
        ("EntityDefinitions", {"SchemaName": "new_X", "Attributes": ["not an object"]}),
        (
            "EntityDefinitions(LogicalName='contact')/Keys",
            {"SchemaName": "new_K", "KeyAttributes": 5},
        ),
    ],
)
def test_bodies_of_the_wrong_shape_are_400(
    fresh_dataverse: DataverseEmulator, path: str, body: object
) -> None:
    with fresh_dataverse.client() as api:
        response = api.post(path, json=body)
    assert response.status_code == 400
