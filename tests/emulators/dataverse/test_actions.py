"""$expand, BulkDelete, bulk-message probe, optional headers, error annotations (16, 19, 25)."""

from __future__ import annotations

from tests.fixtures.dataverse_emulator import DataverseEmulator

PROBE = (
    "sdkmessagefilters?$select=sdkmessagefilterid&$filter=sdkmessageid/name eq @message and "
    "primaryobjecttypecode eq @table&@message='{message}'&@table='{table}'"
)


def test_expand_single_valued_and_party_collection(fresh_dataverse: DataverseEmulator) -> None:
    with fresh_dataverse.client() as api:
        account = api.post("accounts", json={"name": "Bright Smile"}).headers["OData-EntityId"]
        contact = api.post(
            "contacts",
            json={
                "lastname": "Hart",
                "parentcustomerid_account@odata.bind": account.split("v9.2")[1],
            },
        ).headers["OData-EntityId"]
        appointment = api.post(
            "appointments",
            json={
                "subject": "Visit",
                "appointment_activity_parties": [
                    {
                        "partyid_contact@odata.bind": contact.split("v9.2")[1],
                        "participationtypemask": 5,
                    }
                ],
            },
        ).headers["OData-EntityId"]
        expanded = api.get(
            f"{contact}?$select=lastname&$expand=parentcustomerid_account($select=name),"
            "parentcustomerid_contact($select=fullname)"
        ).json()
        parties = api.get(
            f"{appointment}?$select=subject&$expand=appointment_activity_parties"
            "($select=participationtypemask)"
        ).json()
        unknown = api.get(f"{contact}?$expand=parentcustomerid")
    assert expanded["parentcustomerid_account"]["name"] == "Bright Smile"
    assert expanded["parentcustomerid_contact"] is None
    assert [p["participationtypemask"] for p in parties["appointment_activity_parties"]] == [5]
    assert unknown.status_code == 400


def test_bulk_delete_removes_matching_records(fresh_dataverse: DataverseEmulator) -> None:
    with fresh_dataverse.client() as api:
        ids = [
            api.post("contacts", json={"lastname": f"P{i}"}).headers["OData-EntityId"][-37:-1]
            for i in range(4)
        ]
        response = api.post(
            "BulkDelete",
            json={
                "JobName": "rollback",
                "QuerySet": [
                    {
                        "@odata.type": "Microsoft.Dynamics.CRM.QueryExpression",
                        "EntityName": "contact",
                        "Criteria": {
                            "FilterOperator": "And",
                            "Conditions": [
                                {
                                    "AttributeName": "contactid",
                                    "Operator": "In",
                                    "Values": [
                                        {"Value": i, "Type": "System.Guid"} for i in ids[:3]
                                    ],
                                }
                            ],
                        },
                    }
                ],
            },
        )
        left = api.get("contacts?$select=contactid").json()["value"]
    assert response.status_code == 200
    assert "JobId" in response.json()
    assert [r["contactid"] for r in left] == [ids[3]]


def test_bulk_message_probe_answers_per_table(fresh_dataverse: DataverseEmulator) -> None:
    with fresh_dataverse.client() as api:
        contact = api.get(PROBE.format(message="CreateMultiple", table="contact")).json()
        systemuser = api.get(PROBE.format(message="CreateMultiple", table="systemuser")).json()
    assert len(contact["value"]) == 1
    assert systemuser["value"] == []


def test_duplicate_detection_only_when_asked(fresh_dataverse: DataverseEmulator) -> None:
    body = {"lastname": "Hart", "emailaddress1": "hart@example.test"}
    with fresh_dataverse.client() as api:
        api.post("contacts", json=body)
        suppressed = api.post("contacts", json=body)
        detected = api.post(
            "contacts", json=body, headers={"MSCRM.SuppressDuplicateDetection": "false"}
        )
    assert suppressed.status_code == 204
    assert detected.status_code == 412
    assert detected.json()["error"]["code"] == "0x80040333"


def test_error_annotations_only_when_asked(fresh_dataverse: DataverseEmulator) -> None:
    with fresh_dataverse.client() as api:
        plain = api.post("contacts", json={"nope": 1})
        annotated = api.post(
            "contacts", json={"nope": 1}, headers={"Prefer": 'odata.include-annotations="*"'}
        )
    assert set(plain.json()["error"]) == {"code", "message"}
    assert "@Microsoft.PowerApps.CDS.HelpLink" in annotated.json()["error"]
    assert "innererror" not in annotated.json()["error"]


def test_bypass_headers_are_logged_and_need_the_privilege(
    fresh_dataverse: DataverseEmulator,
) -> None:
    headers = {"MSCRM.BypassBusinessLogicExecution": "CustomSync,CustomAsync"}
    with fresh_dataverse.client() as api:
        allowed = api.post("contacts", json={"lastname": "A"}, headers=headers)
    entry = fresh_dataverse.request_log()[-1]
    user = fresh_dataverse.running.emulator.config.users[0]
    user.can_bypass_logic = False
    try:
        with fresh_dataverse.client() as api:
            denied = api.post("contacts", json={"lastname": "B"}, headers=headers)
    finally:
        user.can_bypass_logic = True
    assert allowed.status_code == 204
    assert "mscrm.bypassbusinesslogicexecution" in entry["options"]
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "0x80040220"
