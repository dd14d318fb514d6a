"""Contract tests for EntityDefinitions reads and custom tables, columns and keys (items 20, 9)."""

from __future__ import annotations

import time

from tests.emulators.dataverse.helpers import add_key, label, string_column
from tests.fixtures.dataverse_emulator import DataverseEmulator

TABLE = {
    "@odata.type": "Microsoft.Dynamics.CRM.EntityMetadata",
    "SchemaName": "new_TreatmentPlan",
    "DisplayName": label("Treatment Plan"),
    "DisplayCollectionName": label("Treatment Plans"),
    "OwnershipType": "UserOwned",
    "HasActivities": True,
    "HasNotes": True,
    "IsActivity": False,
    "Attributes": [{**string_column("new_Name", 200), "IsPrimaryName": True}],
}
CHOICE = {
    "@odata.type": "Microsoft.Dynamics.CRM.PicklistAttributeMetadata",
    "SchemaName": "new_Phase",
    "DisplayName": label("Phase"),
    "RequiredLevel": {"Value": "None"},
    "OptionSet": {
        "@odata.type": "Microsoft.Dynamics.CRM.OptionSetMetadata",
        "IsGlobal": False,
        "OptionSetType": "Picklist",
        "Options": [
            {"Value": 100000000, "Label": label("Proposed")},
            {"Value": 100000001, "Label": label("Accepted")},
        ],
    },
}


def test_entity_definition_by_logical_name_with_select(fresh_dataverse: DataverseEmulator) -> None:
    with fresh_dataverse.client() as api:
        body = api.get(
            "EntityDefinitions(LogicalName='contact')"
            "?$select=LogicalName,EntitySetName,PrimaryIdAttribute,PrimaryNameAttribute"
        ).json()
        by_id = api.get(f"EntityDefinitions({body['MetadataId']})?$select=LogicalName").json()
    assert {k: body[k] for k in ("LogicalName", "EntitySetName", "PrimaryIdAttribute")} == {
        "LogicalName": "contact",
        "EntitySetName": "contacts",
        "PrimaryIdAttribute": "contactid",
    }
    assert set(body) == {
        "@odata.context",
        "MetadataId",
        "LogicalName",
        "EntitySetName",
        "PrimaryIdAttribute",
        "PrimaryNameAttribute",
    }
    assert by_id["LogicalName"] == "contact"


def test_filter_with_enum_and_complex_value(fresh_dataverse: DataverseEmulator) -> None:
    with fresh_dataverse.client() as api:
        owned = api.get(
            "EntityDefinitions",
            params={
                "$select": "LogicalName",
                "$filter": "OwnershipType eq "
                "Microsoft.Dynamics.CRM.OwnershipTypes'OrganizationOwned'",
            },
        ).json()["value"]
        required = api.get(
            "EntityDefinitions(LogicalName='appointment')/Attributes",
            params={
                "$select": "LogicalName",
                "$filter": "RequiredLevel/Value eq "
                "Microsoft.Dynamics.CRM.AttributeRequiredLevel'ApplicationRequired'",
            },
        ).json()["value"]
    assert {"product", "systemuser", "pricelevel"} <= {e["LogicalName"] for e in owned}
    assert "contact" not in {e["LogicalName"] for e in owned}
    assert {a["LogicalName"] for a in required} == {"subject", "scheduledstart", "scheduledend"}


def test_picklist_cast_with_option_set(fresh_dataverse: DataverseEmulator) -> None:
    with fresh_dataverse.client() as api:
        body = api.get(
            "EntityDefinitions(LogicalName='contact')/Attributes/"
            "Microsoft.Dynamics.CRM.PicklistAttributeMetadata"
            "?$select=LogicalName&$expand=OptionSet($select=Options)"
        ).json()
    gender = next(a for a in body["value"] if a["LogicalName"] == "gendercode")
    options = {
        o["Value"]: o["Label"]["UserLocalizedLabel"]["Label"]
        for o in gender["OptionSet"]["Options"]
    }
    assert options == {1: "Male", 2: "Female"}
    assert all(a["@odata.type"].endswith("PicklistAttributeMetadata") for a in body["value"])


def test_custom_table_lifecycle_and_writes_before_columns_exist(
    fresh_dataverse: DataverseEmulator,
) -> None:
    with fresh_dataverse.client() as api:
        before_table = api.post("new_treatmentplans", json={"new_name": "Implant"})
        created = api.post("EntityDefinitions", json=TABLE)
        before_column = api.post("new_treatmentplans", json={"new_name": "Implant", "new_phase": 1})
        column = api.post(
            "EntityDefinitions(LogicalName='new_treatmentplan')/Attributes", json=CHOICE
        )
        bad_choice = api.post("new_treatmentplans", json={"new_name": "Implant", "new_phase": 7})
        good = api.post("new_treatmentplans", json={"new_name": "Implant", "new_phase": 100000001})
        definition = api.get(
            created.headers["OData-EntityId"] + "?$select=LogicalName,EntitySetName,"
            "PrimaryIdAttribute,HasActivities"
        ).json()
        regarding = api.post(
            "tasks",
            json={
                "subject": "Review plan",
                "regardingobjectid_new_treatmentplan_task@odata.bind": good.headers[
                    "OData-EntityId"
                ].split("/api/data/v9.2")[1],
            },
        )
    assert before_table.status_code == 404
    assert created.status_code == 204
    assert "/EntityDefinitions(" in created.headers["OData-EntityId"]
    assert before_column.status_code == 400
    assert "Invalid property 'new_phase'" in before_column.json()["error"]["message"]
    assert column.status_code == 204
    assert bad_choice.status_code == 400
    assert good.status_code == 204
    assert definition["EntitySetName"] == "new_treatmentplans"
    assert definition["PrimaryIdAttribute"] == "new_treatmentplanid"
    assert regarding.status_code == 204, regarding.text


def test_key_is_pending_then_active_and_unusable_before(fresh_dataverse: DataverseEmulator) -> None:
    fresh_dataverse.admin.settings(key_activation_s=0.5)
    with fresh_dataverse.client() as api:
        api.post(
            "EntityDefinitions(LogicalName='contact')/Attributes",
            json=string_column("new_SourceId"),
        ).raise_for_status()
        api.post(
            "EntityDefinitions(LogicalName='contact')/Keys",
            json={"SchemaName": "new_SourceIdKey", "KeyAttributes": ["new_sourceid"]},
        ).raise_for_status()
        pending = api.get("EntityDefinitions(LogicalName='contact')/Keys").json()["value"][0]
        too_early = api.patch("contacts(new_sourceid='P-1')", json={"lastname": "A"})
        time.sleep(0.6)
        active = api.get("EntityDefinitions(LogicalName='contact')/Keys").json()["value"][0]
        in_time = api.patch("contacts(new_sourceid='P-1')", json={"lastname": "A"})
    assert pending["EntityKeyIndexStatus"] == "Pending"
    assert too_early.status_code == 400
    assert active["EntityKeyIndexStatus"] == "Active"
    assert active["KeyAttributes"] == ["new_sourceid"]
    assert in_time.status_code == 204


def test_at_most_ten_keys_per_table(fresh_dataverse: DataverseEmulator) -> None:
    fresh_dataverse.admin.settings(key_activation_s=0)
    with fresh_dataverse.client() as api:
        for i in range(10):
            add_key(api, "account", f"new_Key{i}", ["accountnumber"] if i == 0 else ["name"])
        eleventh = api.post(
            "EntityDefinitions(LogicalName='account')/Keys",
            json={"SchemaName": "new_Key10", "KeyAttributes": ["name"]},
        )
    assert eleventh.status_code == 400


def test_key_with_duplicate_existing_values_fails(fresh_dataverse: DataverseEmulator) -> None:
    with fresh_dataverse.client() as api:
        api.post("accounts", json={"name": "Same"})
        api.post("accounts", json={"name": "Same"})
        api.post(
            "EntityDefinitions(LogicalName='account')/Keys",
            json={"SchemaName": "new_NameKey", "KeyAttributes": ["name"]},
        )
        time.sleep(0.3)
        key = api.get("EntityDefinitions(LogicalName='account')/Keys").json()["value"][0]
    assert key["EntityKeyIndexStatus"] == "Failed"


def test_definitions_update_with_put_not_patch(fresh_dataverse: DataverseEmulator) -> None:
    url = "EntityDefinitions(LogicalName='contact')/Attributes(LogicalName='jobtitle')"
    with fresh_dataverse.client() as api:
        patched = api.patch(url, json={"MaxLength": 300})
        definition = api.get(f"{url}/Microsoft.Dynamics.CRM.StringAttributeMetadata").json()
        put = api.put(url, json={**definition, "MaxLength": 300})
        long_title = api.post("contacts", json={"lastname": "A", "jobtitle": "x" * 250})
    assert patched.status_code == 405
    assert put.status_code == 204
    assert long_title.status_code == 204


def test_relationships_name_the_navigation_properties(fresh_dataverse: DataverseEmulator) -> None:
    with fresh_dataverse.client() as api:
        many_to_one = api.get(
            "EntityDefinitions(LogicalName='appointment')/ManyToOneRelationships"
            "?$select=ReferencedEntity,ReferencingAttribute,ReferencingEntityNavigationPropertyName"
        ).json()["value"]
        expanded = api.get(
            "EntityDefinitions(LogicalName='contact')?$select=LogicalName"
            "&$expand=ManyToOneRelationships($filter=ReferencingAttribute eq 'parentcustomerid')"
        ).json()
    regarding = {
        r["ReferencedEntity"]: r["ReferencingEntityNavigationPropertyName"]
        for r in many_to_one
        if r["ReferencingAttribute"] == "regardingobjectid"
    }
    assert regarding["contact"] == "regardingobjectid_contact_appointment"
    assert {
        r["ReferencingEntityNavigationPropertyName"] for r in expanded["ManyToOneRelationships"]
    } == {"parentcustomerid_account", "parentcustomerid_contact"}


def test_insert_option_value_then_publish(fresh_dataverse: DataverseEmulator) -> None:
    with fresh_dataverse.client() as api:
        api.post("EntityDefinitions", json=TABLE).raise_for_status()
        api.post("EntityDefinitions(LogicalName='new_treatmentplan')/Attributes", json=CHOICE)
        inserted = api.post(
            "InsertOptionValue",
            json={
                "EntityLogicalName": "new_treatmentplan",
                "AttributeLogicalName": "new_phase",
                "Value": 100000002,
                "Label": label("Completed"),
            },
        )
        again = api.post(
            "InsertOptionValue",
            json={
                "EntityLogicalName": "new_treatmentplan",
                "AttributeLogicalName": "new_phase",
                "Value": 100000002,
                "Label": label("Completed"),
            },
        )
        published = api.post("PublishXml", json={"ParameterXml": "<importexportxml/>"})
        written = api.post("new_treatmentplans", json={"new_name": "Crown", "new_phase": 100000002})
    assert inserted.json()["NewOptionValue"] == 100000002
    assert again.status_code == 400 and again.json()["error"]["code"] == "0x80040237"
    assert published.status_code == 204
    assert written.status_code == 204
