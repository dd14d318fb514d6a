"""Contract tests: appointments, activity parties, notes with documents, history (13-15, 21)."""

from __future__ import annotations

import base64

from tests.fixtures.dataverse_emulator import DataverseEmulator

ORGANIZER = "6a1b2c3d-4e5f-4a6b-8c7d-1e2f3a4b5c01"


def _patient(api: object, lastname: str = "Nowak") -> str:
    response = api.post("contacts", json={"lastname": lastname})  # type: ignore[attr-defined]
    return str(response.headers["OData-EntityId"].rsplit("(", 1)[1].rstrip(")"))


def _appointment(fresh: DataverseEmulator, **extra: object) -> tuple[str, str]:
    with fresh.client() as api:
        patient = _patient(api)
        body = {
            "subject": "Check-up",
            "scheduledstart": "2024-03-01T09:00:00Z",
            "scheduledend": "2024-03-01T09:30:00Z",
            "regardingobjectid_contact_appointment@odata.bind": f"/contacts({patient})",
            "appointment_activity_parties": [
                {
                    "partyid_systemuser@odata.bind": f"/systemusers({ORGANIZER})",
                    "participationtypemask": 7,
                },
                {"partyid_contact@odata.bind": f"/contacts({patient})", "participationtypemask": 5},
            ],
            **extra,
        }
        response = api.post("appointments", json=body)
        assert response.status_code == 204, response.text
        return response.headers["OData-EntityId"].rsplit("(", 1)[1].rstrip(")"), patient


def test_appointment_deep_inserts_parties_and_keeps_history(
    fresh_dataverse: DataverseEmulator,
) -> None:
    appointment, patient = _appointment(
        fresh_dataverse,
        overriddencreatedon="2019-05-04T08:00:00Z",
        importsequencenumber=7,
        statecode=1,
        createdon="2001-01-01T00:00:00Z",
    )
    with fresh_dataverse.client() as api:
        record = api.get(f"appointments({appointment})").json()
        parties = api.get(
            "activityparties?$select=participationtypemask,_partyid_value"
            f"&$filter=_activityid_value eq {appointment}&$orderby=participationtypemask"
        ).json()["value"]
    assert record["_regardingobjectid_value"] == patient
    assert record["createdon"] == "2019-05-04T08:00:00Z"
    assert record["importsequencenumber"] == 7
    assert (record["statecode"], record["statuscode"]) == (0, 1), (
        "statecode is not valid for create"
    )
    assert [(p["participationtypemask"], p["_partyid_value"]) for p in parties] == [
        (5, patient),
        (7, ORGANIZER),
    ]


def test_appointment_party_with_other_mask_is_rejected(fresh_dataverse: DataverseEmulator) -> None:
    with fresh_dataverse.client() as api:
        response = api.post(
            "appointments",
            json={
                "subject": "x",
                "appointment_activity_parties": [
                    {
                        "partyid_systemuser@odata.bind": f"/systemusers({ORGANIZER})",
                        "participationtypemask": 2,
                    }
                ],
            },
        )
    assert response.status_code == 400


def test_closing_an_appointment_makes_it_read_only(fresh_dataverse: DataverseEmulator) -> None:
    appointment, _ = _appointment(fresh_dataverse)
    url = f"appointments({appointment})"
    with fresh_dataverse.client() as api:
        wrong_pair = api.patch(url, json={"statecode": 1, "statuscode": 5})
        completed = api.patch(url, json={"statecode": 1, "statuscode": 3})
        edit = api.patch(url, json={"subject": "Changed"})
        reopened = api.patch(url, json={"statecode": 3, "statuscode": 5})
        state = api.get(
            f"{url}?$select=statecode,statuscode",
            headers={"Prefer": 'odata.include-annotations="*"'},
        ).json()
    assert wrong_pair.status_code == 400
    assert completed.status_code == 204
    assert edit.status_code == 400
    assert reopened.status_code == 204
    assert state["statuscode@OData.Community.Display.V1.FormattedValue"] == "Busy"


def test_read_only_columns_can_be_rejected_by_configuration(
    fresh_dataverse: DataverseEmulator,
) -> None:
    fresh_dataverse.admin.settings(readonly_policy="reject")
    with fresh_dataverse.client() as api:
        response = api.post("contacts", json={"lastname": "A", "createdon": "2001-01-01T00:00:00Z"})
    assert response.status_code == 400
    assert "'createdon' is not valid for create" in response.json()["error"]["message"]


def test_note_with_document_size_limit_and_download(fresh_dataverse: DataverseEmulator) -> None:
    document = base64.b64encode(b"%PDF-1.4 x-ray report" * 10).decode()
    fresh_dataverse.admin.settings(annotation_max_bytes=1000)
    with fresh_dataverse.client() as api:
        patient = _patient(api)
        created = api.post(
            "annotations",
            json={
                "subject": "X-ray",
                "filename": "xray.pdf",
                "mimetype": "application/pdf",
                "documentbody": document,
                "objectid_contact@odata.bind": f"/contacts({patient})",
            },
        )
        url = created.headers["OData-EntityId"]
        note = api.get(f"{url}?$select=filesize,isdocument,_objectid_value,objecttypecode").json()
        download = api.get(f"{url}/documentbody/$value")
        too_big = api.post(
            "annotations",
            json={
                "subject": "CT",
                "documentbody": base64.b64encode(b"x" * 800).decode(),
                "objectid_contact@odata.bind": f"/contacts({patient})",
            },
        )
    assert created.status_code == 204
    assert note["filesize"] == 210 and note["isdocument"] is True
    assert note["_objectid_value"] == patient and note["objecttypecode"] == "contact"
    assert download.text == document
    assert too_big.status_code == 400
    assert too_big.json()["error"] == {
        "code": "0x80044a02",
        "message": "Attachment file size is too big.",
    }
