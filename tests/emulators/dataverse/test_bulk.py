"""Contract tests for CreateMultiple / UpdateMultiple / UpsertMultiple (checklist item 16)."""

from __future__ import annotations

import time

from tests.emulators.dataverse.helpers import add_source_key
from tests.fixtures.dataverse_emulator import DataverseEmulator

CONTACT = "Microsoft.Dynamics.CRM.contact"


def test_create_multiple_returns_ids_in_input_order(fresh_dataverse: DataverseEmulator) -> None:
    targets = [{"@odata.type": CONTACT, "lastname": f"Patient {i}"} for i in range(3)]
    with fresh_dataverse.client() as api:
        response = api.post(
            "contacts/Microsoft.Dynamics.CRM.CreateMultiple", json={"Targets": targets}
        )
        ids = response.json()["Ids"]
        names = [api.get(f"contacts({i})?$select=lastname").json()["lastname"] for i in ids]
    assert response.status_code == 200
    assert response.json()["@odata.context"].endswith(
        "$metadata#Microsoft.Dynamics.CRM.CreateMultipleResponse"
    )
    assert names == ["Patient 0", "Patient 1", "Patient 2"]


def test_create_multiple_is_all_or_nothing(fresh_dataverse: DataverseEmulator) -> None:
    targets = [
        {"@odata.type": CONTACT, "lastname": "Good"},
        {"@odata.type": CONTACT, "lastname": "Bad", "birthdate": 12},
    ]
    before = fresh_dataverse.admin.counts().get("contact", 0)
    with fresh_dataverse.client() as api:
        response = api.post(
            "contacts/Microsoft.Dynamics.CRM.CreateMultiple", json={"Targets": targets}
        )
    assert response.status_code == 400
    assert fresh_dataverse.admin.counts().get("contact", 0) == before


def test_bulk_targets_need_odata_type(fresh_dataverse: DataverseEmulator) -> None:
    with fresh_dataverse.client() as api:
        response = api.post(
            "contacts/Microsoft.Dynamics.CRM.CreateMultiple", json={"Targets": [{"lastname": "X"}]}
        )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "0x80048d19"


def test_update_multiple_answers_204_and_first_duplicate_wins(
    fresh_dataverse: DataverseEmulator,
) -> None:
    with fresh_dataverse.client() as api:
        created = api.post(
            "contacts/Microsoft.Dynamics.CRM.CreateMultiple",
            json={"Targets": [{"@odata.type": CONTACT, "lastname": "Hart"}]},
        )
        record_id = created.json()["Ids"][0]
        targets = [
            {"@odata.type": CONTACT, "contactid": record_id, "firstname": "First"},
            {"@odata.type": CONTACT, "contactid": record_id, "firstname": "Second"},
        ]
        response = api.post(
            "contacts/Microsoft.Dynamics.CRM.UpdateMultiple", json={"Targets": targets}
        )
        record = api.get(f"contacts({record_id})?$select=firstname").json()
    assert response.status_code == 204
    assert response.content == b""
    assert record["firstname"] == "First"


def test_upsert_multiple_creates_then_updates_by_key(fresh_dataverse: DataverseEmulator) -> None:
    def targets(suffix: str) -> list[dict[str, str]]:
        return [
            {
                "@odata.type": CONTACT,
                "@odata.id": f"contacts(new_sourceid='P-{i}')",
                "lastname": f"Patient {i}{suffix}",
            }
            for i in range(5)
        ]

    url = "contacts/Microsoft.Dynamics.CRM.UpsertMultiple"
    with fresh_dataverse.client() as api:
        add_source_key(api)
        first = api.post(url, json={"Targets": targets("")})
        second = api.post(url, json={"Targets": targets(" (moved)")})
        rows = api.get("contacts?$select=lastname,new_sourceid&$filter=new_sourceid ne null").json()
    assert first.status_code == 204
    assert second.status_code == 204
    assert len(rows["value"]) == 5
    assert {r["lastname"] for r in rows["value"]} == {f"Patient {i} (moved)" for i in range(5)}


def test_upsert_multiple_rejects_key_in_body_on_create_and_duplicate_keys(
    fresh_dataverse: DataverseEmulator,
) -> None:
    url = "contacts/Microsoft.Dynamics.CRM.UpsertMultiple"
    with fresh_dataverse.client() as api:
        add_source_key(api)
        in_body = api.post(
            url,
            json={
                "Targets": [
                    {
                        "@odata.type": CONTACT,
                        "@odata.id": "contacts(new_sourceid='P-1')",
                        "new_sourceid": "P-1",
                        "lastname": "X",
                    }
                ]
            },
        )
        duplicate = api.post(
            url,
            json={
                "Targets": [
                    {
                        "@odata.type": CONTACT,
                        "@odata.id": "contacts(new_sourceid='P-2')",
                        "lastname": "X",
                    },
                    {
                        "@odata.type": CONTACT,
                        "@odata.id": "contacts(new_sourceid='P-2')",
                        "lastname": "Y",
                    },
                ]
            },
        )
    assert in_body.status_code == 400
    assert in_body.json() == {
        "error": {"code": "0x80040216", "message": "An unexpected error occurred."}
    }
    assert duplicate.status_code == 400


def test_thousand_contacts_through_create_multiple_in_well_under_a_second(
    fresh_dataverse: DataverseEmulator,
) -> None:
    targets = [
        {
            "@odata.type": CONTACT,
            "firstname": f"F{i}",
            "lastname": f"Patient {i}",
            "emailaddress1": f"p{i}@example.test",
            "birthdate": "1980-02-03",
        }
        for i in range(1000)
    ]
    with fresh_dataverse.client() as api:
        started = time.perf_counter()
        response = api.post(
            "contacts/Microsoft.Dynamics.CRM.CreateMultiple", json={"Targets": targets}
        )
        elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert len(response.json()["Ids"]) == 1000
    print(f"CreateMultiple of 1,000 contacts: {elapsed:.3f} s")
    assert elapsed < 0.9, f"CreateMultiple of 1,000 contacts took {elapsed:.2f} s"


def test_update_multiple_with_missing_ids_and_delete_multiple(
    fresh_dataverse: DataverseEmulator,
) -> None:
    missing = "00000000-0000-0000-0000-0000000000bb"
    with fresh_dataverse.client() as api:
        update = api.post(
            "contacts/Microsoft.Dynamics.CRM.UpdateMultiple",
            json={"Targets": [{"@odata.type": CONTACT, "contactid": missing, "lastname": "X"}]},
        )
        delete = api.post(
            "contacts/Microsoft.Dynamics.CRM.DeleteMultiple",
            json={"Targets": [{"@odata.type": CONTACT, "contactid": missing}]},
        )
    assert update.status_code == 404
    assert update.json()["error"] == {
        "code": "0x80040217",
        "message": f"Contact With Ids = {missing} Do Not Exist",
    }
    assert delete.status_code == 400
    assert delete.json()["error"]["message"] == "DeleteMultiple has not yet been implemented."
