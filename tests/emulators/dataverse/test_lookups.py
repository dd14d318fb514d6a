"""Contract tests for @odata.bind lookups, polymorphic navigation, lookup annotations (11, 12)."""

from __future__ import annotations

import httpx

from tests.emulators.dataverse.helpers import add_key
from tests.fixtures.dataverse_emulator import DataverseEmulator

ANNOTATIONS = {"Prefer": 'odata.include-annotations="*"'}


def _create(api: httpx.Client, entity_set: str, body: dict[str, object]) -> str:
    response = api.post(entity_set, json=body)
    assert response.status_code == 204, response.text
    return response.headers["OData-EntityId"].rsplit("(", 1)[1].rstrip(")")


def test_polymorphic_parent_customer_reads_back_with_annotations(
    fresh_dataverse: DataverseEmulator,
) -> None:
    with fresh_dataverse.client() as api:
        account = _create(api, "accounts", {"name": "Bright Smile Dental"})
        guardian = _create(api, "contacts", {"firstname": "Ewa", "lastname": "Nowak"})
        child = _create(
            api,
            "contacts",
            {
                "lastname": "Nowak",
                "parentcustomerid_account@odata.bind": f"/accounts({account})",
            },
        )
        as_account = api.get(
            f"contacts({child})?$select=_parentcustomerid_value", headers=ANNOTATIONS
        ).json()
        api.patch(
            f"contacts({child})",
            json={"parentcustomerid_contact@odata.bind": f"contacts({guardian})"},
        )
        as_contact = api.get(
            f"contacts({child})?$select=_parentcustomerid_value", headers=ANNOTATIONS
        ).json()
    prefix = "_parentcustomerid_value@"
    assert as_account["_parentcustomerid_value"] == account
    assert as_account[prefix + "Microsoft.Dynamics.CRM.lookuplogicalname"] == "account"
    assert as_account[prefix + "Microsoft.Dynamics.CRM.associatednavigationproperty"] == (
        "parentcustomerid_account"
    )
    assert as_account[prefix + "OData.Community.Display.V1.FormattedValue"] == "Bright Smile Dental"
    assert as_contact["_parentcustomerid_value"] == guardian
    assert as_contact[prefix + "Microsoft.Dynamics.CRM.lookuplogicalname"] == "contact"


def test_bind_on_plain_polymorphic_column_is_undeclared(fresh_dataverse: DataverseEmulator) -> None:
    with fresh_dataverse.client() as api:
        account = _create(api, "accounts", {"name": "Bright Smile Dental"})
        response = api.post(
            "contacts",
            json={
                "lastname": "Nowak",
                "parentcustomerid@odata.bind": f"/accounts({account})",
            },
        )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "0x80048d19"
    assert response.json()["error"]["message"].startswith(
        "Error identified in Payload provided by the user for Entity :'contacts' ----> "
        "InnerException : Microsoft.OData.ODataException: An undeclared property "
        "'parentcustomerid' which only has property annotations in the payload but no "
        "property value was found in the payload."
    )


def test_custom_lookup_binds_by_schema_name_only(fresh_dataverse: DataverseEmulator) -> None:
    with fresh_dataverse.client() as api:
        api.post(
            "RelationshipDefinitions",
            json={
                "@odata.type": "Microsoft.Dynamics.CRM.OneToManyRelationshipMetadata",
                "SchemaName": "new_account_contact_clinic",
                "ReferencedEntity": "account",
                "ReferencedAttribute": "accountid",
                "ReferencingEntity": "contact",
                "Lookup": {
                    "@odata.type": "Microsoft.Dynamics.CRM.LookupAttributeMetadata",
                    "SchemaName": "new_ClinicId",
                },
            },
        ).raise_for_status()
        account = _create(api, "accounts", {"name": "Clinic"})
        good = api.post(
            "contacts", json={"lastname": "A", "new_ClinicId@odata.bind": f"/accounts({account})"}
        )
        lowered = api.post(
            "contacts", json={"lastname": "B", "new_clinicid@odata.bind": f"/accounts({account})"}
        )
    assert good.status_code == 204
    assert lowered.status_code == 400
    assert "'new_clinicid'" in lowered.json()["error"]["message"]


def test_bind_to_missing_record_and_by_alternate_key(fresh_dataverse: DataverseEmulator) -> None:
    missing = "00000000-0000-0000-0000-0000000000aa"
    with fresh_dataverse.client() as api:
        _create(api, "accounts", {"name": "Clinic", "accountnumber": "ACC-1"})
        not_found = api.post(
            "contacts",
            json={"lastname": "A", "parentcustomerid_account@odata.bind": f"/accounts({missing})"},
        )
        add_key(api, "account", "new_AccountNumberKey", ["accountnumber"])
        by_key = api.post(
            "contacts",
            json={
                "lastname": "B",
                "parentcustomerid_account@odata.bind": "/accounts(accountnumber='ACC-1')",
            },
        )
    assert not_found.status_code == 404
    assert not_found.json()["error"]["message"] == f"account With Id = {missing} Does Not Exist"
    assert by_key.status_code == 204


def test_owner_bind_and_disabled_owner_policy(fresh_dataverse: DataverseEmulator) -> None:
    with fresh_dataverse.client() as api:
        disabled = api.get(
            "systemusers?$select=systemuserid,isdisabled"
            "&$filter=internalemailaddress eq 'grace.okafor@brightsmile.example'"
        ).json()["value"][0]
        accepted = api.post(
            "contacts",
            json={
                "lastname": "A",
                "ownerid@odata.bind": f"/systemusers({disabled['systemuserid']})",
            },
        )
        fresh_dataverse.admin.settings(reject_disabled_owner=True)
        rejected = api.post(
            "contacts",
            json={
                "lastname": "B",
                "ownerid@odata.bind": f"/systemusers({disabled['systemuserid']})",
            },
        )
    assert disabled["isdisabled"] is True
    assert accepted.status_code == 204
    assert rejected.status_code == 400
    assert rejected.json()["error"]["message"].startswith(
        f"The user with SystemUserId={disabled['systemuserid']} in OrganizationContext="
    )


def test_include_annotations_honours_the_requested_terms(
    fresh_dataverse: DataverseEmulator,
) -> None:
    only_formatted = {
        "Prefer": 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"'
    }
    with fresh_dataverse.client() as api:
        account = _create(api, "accounts", {"name": "Bright Smile Dental"})
        contact = _create(
            api,
            "contacts",
            {
                "lastname": "Nowak",
                "gendercode": 2,
                "parentcustomerid_account@odata.bind": f"/accounts({account})",
            },
        )
        body = api.get(
            f"contacts({contact})?$select=gendercode,_parentcustomerid_value",
            headers=only_formatted,
        ).json()
        plain = api.get(f"contacts({contact})?$select=gendercode").json()
    assert body["gendercode@OData.Community.Display.V1.FormattedValue"] == "Female"
    assert body["_parentcustomerid_value@OData.Community.Display.V1.FormattedValue"] == (
        "Bright Smile Dental"
    )
    assert not any("lookuplogicalname" in key for key in body)
    assert not any("@" in key for key in plain if key != "@odata.etag" and key != "@odata.context")


def test_ref_associates_and_disassociates_a_lookup(fresh_dataverse: DataverseEmulator) -> None:
    with fresh_dataverse.client() as api:
        account = _create(api, "accounts", {"name": "Clinic"})
        contact = _create(api, "contacts", {"lastname": "Hart"})
        ref = f"contacts({contact})/parentcustomerid_account/$ref"
        associated = api.put(
            ref, json={"@odata.id": f"{fresh_dataverse.api_url}/accounts({account})"}
        )
        after_put = api.get(f"contacts({contact})?$select=_parentcustomerid_value").json()
        wrong_nav = api.delete(f"contacts({contact})/parentcustomerid_contact/$ref")
        still = api.get(f"contacts({contact})?$select=_parentcustomerid_value").json()
        removed = api.delete(ref)
        after_delete = api.get(f"contacts({contact})?$select=_parentcustomerid_value").json()
    assert associated.status_code == 204
    assert after_put["_parentcustomerid_value"] == account
    assert wrong_nav.status_code == 204 and still["_parentcustomerid_value"] == account
    assert removed.status_code == 204
    assert after_delete["_parentcustomerid_value"] is None
