"""Microsoft's PowerPlatform-Dataverse-Client, unmodified, against the emulator over HTTPS."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from azure.identity import ClientSecretCredential
from PowerPlatform.Dataverse.client import DataverseClient
from PowerPlatform.Dataverse.models.upsert import UpsertItem

from tests.fixtures.dataverse_emulator import DataverseEmulator


@pytest.fixture
def client(
    fresh_dataverse: DataverseEmulator, monkeypatch: pytest.MonkeyPatch
) -> Iterator[DataverseClient]:
    """The SDK with azure-identity's ClientSecretCredential pointed at the emulator's Entra."""
    # requests (used by the SDK and azure-identity) lets REQUESTS_CA_BUNDLE override verify.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(fresh_dataverse.ca_file))
    credential = ClientSecretCredential(
        fresh_dataverse.tenant_id,
        fresh_dataverse.client_id,
        fresh_dataverse.client_secret,
        authority=fresh_dataverse.environment_url.removeprefix("https://"),
        disable_instance_discovery=True,
    )
    with DataverseClient(fresh_dataverse.environment_url, credential) as sdk:
        yield sdk


def _wait_for_key(client: DataverseClient, table: str) -> None:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        keys = client.tables.get_alternate_keys(table)
        if keys and all(k.status == "Active" for k in keys):
            return
        time.sleep(0.05)
    raise AssertionError("alternate key never became Active")


def test_tables_columns_keys_and_lookups(client: DataverseClient) -> None:
    info = client.tables.create(
        "new_Treatment",
        {
            "new_Code": "string",
            "new_Fee": "decimal",
            "new_PerformedOn": "datetime",
            "new_Notes": "memo",
            "new_Paid": "bool",
        },
    )
    added = client.tables.add_columns("new_Treatment", {"new_SourceId": "string"})
    key = client.tables.create_alternate_key("new_Treatment", "new_SourceIdKey", ["new_sourceid"])
    lookup = client.tables.create_lookup_field("new_treatment", "new_PatientId", "contact")
    columns = {c["LogicalName"] for c in client.tables.list_columns("new_Treatment")}
    assert info.entity_set_name == "new_treatments"
    assert added == ["new_sourceid"] or added == ["new_SourceId"]
    assert key.key_attributes == ["new_sourceid"]
    assert lookup.lookup_schema_name == "new_PatientId"
    assert {"new_code", "new_fee", "new_performedon", "new_sourceid", "new_patientid"} <= columns
    assert client.tables.get("new_Treatment") is not None


def test_records_create_bulk_update_upsert_query_delete(client: DataverseClient) -> None:
    client.tables.add_columns("contact", {"new_SourceId": "string"})
    client.tables.create_alternate_key("contact", "new_SourceIdKey", ["new_sourceid"])
    _wait_for_key(client, "contact")

    one = client.records.create("contact", {"firstname": "Amelia", "lastname": "Hart"})
    many = client.records.create(
        "contact", [{"lastname": f"Patient {i}", "new_sourceid": f"P-{i}"} for i in range(30)]
    )
    client.records.update("contact", one, {"jobtitle": "Hygienist"})
    client.records.upsert(
        "contact",
        [
            UpsertItem(alternate_key={"new_sourceid": "P-1"}, record={"lastname": "Renamed"}),
        ],
    )
    client.records.upsert(
        "contact",
        [
            UpsertItem(alternate_key={"new_sourceid": f"P-{i}"}, record={"firstname": "Bulk"})
            for i in range(25, 35)
        ],
    )
    renamed = client.records.list("contact", filter="new_sourceid eq 'P-1'", select=["lastname"])
    pages = list(
        client.records.list_pages(
            "contact", filter="startswith(new_sourceid,'P-')", select=["new_sourceid"], page_size=7
        )
    )
    updated = client.records.retrieve("contact", one, select=["jobtitle"])
    client.records.delete("contact", one)

    assert len(many) == 30
    assert [r["lastname"] for r in renamed] == ["Renamed"]
    assert sum(len(page) for page in pages) == 35
    assert len(pages) == 5
    assert updated is not None and updated["jobtitle"] == "Hygienist"
    assert client.records.retrieve("contact", one) is None


def test_batch_with_changeset(client: DataverseClient) -> None:
    batch = client.batch.new()
    batch.records.create("account", {"name": "Bright Smile"})
    with batch.changeset() as changeset:
        changeset.records.create("contact", {"lastname": "Hart"})
        changeset.records.create("contact", {"lastname": "Mehta"})
    result = batch.execute()
    names = client.records.list("contact", filter="lastname eq 'Hart' or lastname eq 'Mehta'")
    assert not result.has_errors
    assert len(result.responses) == 3
    assert len(list(names)) == 2


def test_query_builder_and_in_filter(client: DataverseClient) -> None:
    from PowerPlatform.Dataverse.models.filters import col

    client.records.create(
        "contact",
        [
            {
                "firstname": f"F{i}",
                "lastname": "Hart" if i % 2 else "Mehta",
                "gendercode": 1 + i % 2,
            }
            for i in range(12)
        ],
    )
    rows = list(
        client.query.builder("contact")
        .select("firstname", "lastname")
        .where(col("lastname") == "Hart")
        .where(col("gendercode").in_([1, 2]))
        .order_by("firstname", descending=True)
        .top(4)
        .execute()
    )
    assert [r["firstname"] for r in rows] == ["F9", "F7", "F5", "F3"]


def test_schema_teardown_and_bulk_delete(client: DataverseClient) -> None:
    client.tables.create("new_Invoice", {"new_Number": "string", "new_Amount": "decimal"})
    client.tables.add_columns("new_Invoice", {"new_Ref": "string"})
    key = client.tables.create_alternate_key("new_Invoice", "new_RefKey", ["new_ref"])
    ids = client.records.create("new_Invoice", [{"new_ref": f"R{i}"} for i in range(5)])
    job = client.records.delete("new_Invoice", ids[:3])
    left = client.records.list("new_Invoice", select=["new_ref"])
    client.tables.delete_alternate_key("new_Invoice", key.metadata_id)
    removed = client.tables.remove_columns("new_Invoice", ["new_Ref"])
    client.tables.delete("new_Invoice")
    assert job
    assert sorted(r["new_ref"] for r in left) == ["R3", "R4"]
    assert removed
    assert client.tables.get("new_Invoice") is None


def test_batch_continue_on_error(client: DataverseClient) -> None:
    batch = client.batch.new()
    batch.records.create("contact", {"lastname": "One"})
    batch.records.create("contact", {"nosuchcolumn": "x"})
    batch.records.create("contact", {"lastname": "Three"})
    result = batch.execute(continue_on_error=True)
    assert len(result.succeeded) == 2
    assert len(result.failed) == 1
