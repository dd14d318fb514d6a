"""Settings validation, and the metadata package built from the shipped map's schema plan."""

from __future__ import annotations

import io
import zipfile
from typing import Any
from xml.etree import ElementTree

import pytest
from pydantic import ValidationError

from shared.destinations.salesforce.package import package_zip
from shared.destinations.salesforce.schema_plan import plan_schema
from shared.destinations.salesforce.settings import SalesforceSettings
from shared.destinations.schema import ColumnInfo, DestinationSchema, TableInfo
from tests.fixtures.salesforce_destination import aerona_needs

NS = "{http://soap.sforce.com/2006/04/metadata}"


def xml(data: bytes) -> ElementTree.Element:
    """Parses XML this package built (trusted input)."""
    return ElementTree.fromstring(data)  # noqa: S314


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLINICFERRY_SALESFORCE_AUTH_FLOW", "client_credentials")
    monkeypatch.setenv("CLINICFERRY_SALESFORCE_MY_DOMAIN_URL", "https://acme.my.salesforce.com/")
    monkeypatch.setenv("CLINICFERRY_SALESFORCE_CLIENT_ID", "3MVG9")
    monkeypatch.setenv("CLINICFERRY_SALESFORCE_CLIENT_SECRET", "s3cret")
    settings = SalesforceSettings()  # type: ignore[call-arg]
    assert settings.token_url == "https://acme.my.salesforce.com/services/oauth2/token"
    assert "s3cret" not in repr(settings)


@pytest.mark.parametrize(
    "values",
    [
        {"auth_flow": "client_credentials", "client_id": "x", "client_secret": "s"},
        {"auth_flow": "jwt_bearer", "client_id": "x", "username": "u"},
        {"auth_flow": "jwt_bearer", "client_id": "x", "jwt_private_key": "k"},
        {"auth_flow": "jwt_bearer", "client_id": "x", "username": "u", "jwt_private_key": "k",
         "login_url": "http://login.salesforce.com"},
    ],
    ids=["cc-without-my-domain", "jwt-without-key", "jwt-without-user", "plain-http"],
)  # fmt: skip
def test_incomplete_or_unsafe_settings_are_refused(values: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        SalesforceSettings(**values)


def _live() -> DestinationSchema:
    lead = ColumnInfo(name="LeadSource", type="choice", values=["Web", "Other"])
    return DestinationSchema(tables={
        "Account": TableInfo(name="Account", collection="Account", primary_id="Id",
                             primary_name="Name", columns={"Name": ColumnInfo(name="Name",
                             type="string"), "ParentId": ColumnInfo(name="ParentId",
                             type="lookup")}),
        "Contact": TableInfo(name="Contact", collection="Contact", primary_id="Id",
                             primary_name="Name", columns={"LeadSource": lead}),
    })  # fmt: skip


def test_package_holds_objects_fields_value_set_and_permission_set() -> None:
    plan = plan_schema(aerona_needs(), _live())
    archive = zipfile.ZipFile(io.BytesIO(package_zip(
        plan, api_version="62.0", permission_set="ClinicFerry_Migration",
        live_values={("Contact", "LeadSource"): ["Web", "Other"]},
    )))  # fmt: skip
    names = set(archive.namelist())
    assert {"package.xml", "objects/Appointment__c.object", "objects/Contact.object",
            "standardValueSets/LeadSource.standardValueSet",
            "permissionsets/ClinicFerry_Migration.permissionset"} <= names  # fmt: skip
    appointment = xml(archive.read("objects/Appointment__c.object"))
    fields = {f.findtext(NS + "fullName"): f for f in appointment.findall(NS + "fields")}
    key = fields["Source_Id__c"]
    assert (key.findtext(NS + "externalId"), key.findtext(NS + "unique")) == ("true", "true")
    lookup = fields["Contact__c"]
    assert lookup.findtext(NS + "referenceTo") == "Contact"
    assert lookup.findtext(NS + "relationshipName") == "Contact"
    assert fields["Notes__c"].findtext(NS + "type") == "LongTextArea"
    assert appointment.findtext(f"{NS}nameField/{NS}type") == "Text"
    values = xml(archive.read("standardValueSets/LeadSource.standardValueSet"))
    labels = [v.findtext(NS + "fullName") for v in values.findall(NS + "standardValue")]
    assert labels[:2] == ["Web", "Other"] and "Patient Referral" in labels
    grants = xml(archive.read("permissionsets/ClinicFerry_Migration.permissionset"))
    granted = {g.findtext(NS + "field") for g in grants.findall(NS + "fieldPermissions")}
    assert {"Contact.NHS_Number__c", "Appointment__c.Status__c"} <= granted
    assert "Appointment__c.Name" not in granted


def test_a_standard_field_of_the_wrong_type_is_a_warning_not_an_action() -> None:
    live = _live()
    live.tables["Contact"].columns["Birthdate"] = ColumnInfo(name="Birthdate", type="boolean")
    plan = plan_schema(aerona_needs(), live)
    assert any("Contact.Birthdate is boolean" in w for w in plan.warnings)
