"""Helpers for emulator tests: deploy a small metadata package and run a Bulk job to the end."""

from __future__ import annotations

import io
import json
import time
import zipfile
from typing import Any

import httpx

NS = 'xmlns="http://soap.sforce.com/2006/04/metadata"'

APPOINTMENT_OBJECT = f"""<?xml version="1.0" encoding="UTF-8"?>
<CustomObject {NS}>
  <label>Appointment</label><pluralLabel>Appointments</pluralLabel>
  <nameField><label>Appointment Name</label><type>Text</type></nameField>
  <deploymentStatus>Deployed</deploymentStatus><sharingModel>ReadWrite</sharingModel>
  <fields><fullName>Source_Id__c</fullName><label>Source Id</label><type>Text</type>
    <length>200</length><externalId>true</externalId><unique>true</unique></fields>
  <fields><fullName>Contact__c</fullName><label>Contact</label><type>Lookup</type>
    <referenceTo>Contact</referenceTo><relationshipName>Contact</relationshipName>
    <deleteConstraint>SetNull</deleteConstraint></fields>
  <fields><fullName>Status__c</fullName><label>Status</label><type>Picklist</type>
    <valueSet><restricted>true</restricted><valueSetDefinition>
      <value><fullName>Booked</fullName><default>false</default><label>Booked</label></value>
      <value><fullName>No Show</fullName><default>false</default><label>No Show</label></value>
    </valueSetDefinition></valueSet></fields>
  <fields><fullName>Fee__c</fullName><label>Fee</label><type>Currency</type>
    <precision>18</precision><scale>2</scale></fields>
</CustomObject>"""

CONTACT_FIELDS = f"""<?xml version="1.0" encoding="UTF-8"?>
<CustomObject {NS}>
  <fields><fullName>Source_Id__c</fullName><label>Source Id</label><type>Text</type>
    <length>200</length><externalId>true</externalId><unique>true</unique></fields>
  <fields><fullName>NHS_Number__c</fullName><label>NHS Number</label><type>Text</type>
    <length>10</length></fields>
</CustomObject>"""

FIELDS = ["Appointment__c.Source_Id__c", "Appointment__c.Contact__c", "Appointment__c.Status__c",
          "Appointment__c.Fee__c", "Contact.Source_Id__c", "Contact.NHS_Number__c"]  # fmt: skip


def permission_set(fields: list[str]) -> str:
    """A PermissionSet granting edit on `fields` and on Appointment__c."""
    grants = "".join(
        f"<fieldPermissions><field>{f}</field><editable>true</editable>"
        f"<readable>true</readable></fieldPermissions>"
        for f in fields
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><PermissionSet {NS}><label>ClinicFerry</label>'
        f"{grants}<objectPermissions><object>Appointment__c</object><allowRead>true</allowRead>"
        f"<allowCreate>true</allowCreate><allowEdit>true</allowEdit></objectPermissions>"
        f"</PermissionSet>"
    )


def package_zip(with_permission_set: bool = True) -> bytes:
    """A deployable zip: package.xml, Appointment__c, Contact fields and a permission set."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "package.xml",
            f'<?xml version="1.0"?><Package {NS}><types><members>*</members>'
            f"<name>CustomObject</name></types><version>62.0</version></Package>",
        )
        archive.writestr("objects/Appointment__c.object", APPOINTMENT_OBJECT)
        archive.writestr("objects/Contact.object", CONTACT_FIELDS)
        if with_permission_set:
            archive.writestr("permissionsets/ClinicFerry.permissionset", permission_set(FIELDS))
    return buffer.getvalue()


def deploy(client: httpx.Client, data: bytes, check_only: bool = False) -> dict[str, Any]:
    """POSTs a deploy request and returns its result with details."""
    response = client.post(
        "metadata/deployRequest",
        files={
            "json": (None, json.dumps({"deployOptions": {"checkOnly": check_only}}),
                     "application/json"),
            "file": ("deploy.zip", data, "application/zip"),
        },
    )  # fmt: skip
    assert response.status_code == 201, response.text
    status = client.get(f"metadata/deployRequest/{response.json()['id']}?includeDetails=true")
    return dict(status.json()["deployResult"])


def assign_permission_set(client: httpx.Client, user_id: str, name: str = "ClinicFerry") -> None:
    """Assigns a deployed permission set to a user."""
    found = client.get("query", params={"q": f"SELECT Id FROM PermissionSet WHERE Name = '{name}'"})  # noqa: S608 - SOQL text, not SQL
    permission_set_id = found.json()["records"][0]["Id"]
    response = client.post(
        "sobjects/PermissionSetAssignment",
        json={"AssigneeId": user_id, "PermissionSetId": permission_set_id},
    )
    assert response.status_code == 201, response.text


def prepare_org(client: httpx.Client, user_id: str) -> None:
    """Deploys the package and grants it to `user_id`."""
    result = deploy(client, package_zip())
    assert result["success"], result
    assign_permission_set(client, user_id)


def run_job(
    client: httpx.Client, job: dict[str, Any], csv_text: str, timeout: float = 30
) -> dict[str, Any]:
    """Creates, uploads, closes and polls a Bulk job until it ends; returns its final info."""
    created = client.post("jobs/ingest", json=job)
    assert created.status_code == 200, created.text
    job_id = created.json()["id"]
    upload = client.put(
        f"jobs/ingest/{job_id}/batches", content=csv_text.encode(),
        headers={"Content-Type": "text/csv"},
    )  # fmt: skip
    assert upload.status_code == 201, upload.text
    client.patch(f"jobs/ingest/{job_id}", json={"state": "UploadComplete"}).raise_for_status()
    deadline = time.monotonic() + timeout
    while True:
        info = client.get(f"jobs/ingest/{job_id}").json()
        if info["state"] in ("JobComplete", "Failed", "Aborted") or time.monotonic() > deadline:
            return dict(info)
        time.sleep(0.02)


def results(client: httpx.Client, job_id: str, kind: str) -> list[dict[str, str]]:
    """A result CSV parsed into dicts."""
    import csv

    text = client.get(f"jobs/ingest/{job_id}/{kind}").text
    return list(csv.DictReader(io.StringIO(text)))
