"""Files: a ContentVersion insert stores the bytes, creates its ContentDocument and, with
FirstPublishLocationId, the ContentDocumentLink to that record."""

from __future__ import annotations

from typing import Any

from emulators.salesforce.dml import Dml, Outcome, RowInput
from emulators.salesforce.errors import RowError
from emulators.salesforce.org import Caller, Org
from emulators.salesforce.values import now_text


def file_type(path_on_client: str) -> str:
    """ContentVersion.FileType from the file name's extension (PDF, PNG, ... UNKNOWN)."""
    _, dot, extension = path_on_client.rpartition(".")
    return extension.upper() if dot and extension else "UNKNOWN"


def insert_content_version(
    org: Org, dml: Dml, values: dict[str, Any], data: bytes | None, caller: Caller
) -> Outcome:
    """Creates a ContentVersion (and its document and link) from JSON fields and the bytes."""
    if data is None:
        return Outcome(
            error=RowError(
                "REQUIRED_FIELD_MISSING",
                "Required fields are missing: [VersionData]",
                ["VersionData"],
            )
        )
    obj = org.objects["ContentVersion"]
    (outcome,) = dml.save(obj, "insert", [RowInput(values)], caller, from_csv=False)
    if outcome.error is not None or outcome.id is None:
        return outcome
    stored = org.store.get(outcome.id)
    assert stored is not None
    version = stored[2]
    kind = file_type(str(version.get("PathOnClient") or ""))
    stamp = now_text()
    document_id = org.ids.new(org.objects["ContentDocument"].key_prefix)
    document = {
        "Id": document_id,
        "Title": version.get("Title"),
        "LatestPublishedVersionId": outcome.id,
        "FileType": kind,
        "ContentSize": len(data),
        "OwnerId": version.get("OwnerId"),
        "IsDeleted": False,
        "CreatedDate": version["CreatedDate"],
        "CreatedById": caller.user_id,
        "LastModifiedDate": stamp,
        "LastModifiedById": caller.user_id,
        "SystemModstamp": stamp,
    }
    version.update(
        {
            "ContentDocumentId": document_id,
            "ContentSize": len(data),
            "FileType": kind,
            "FileExtension": kind.lower(),
            "VersionNumber": "1",
            "ContentLocation": version.get("ContentLocation") or "S",
        }
    )
    with org.store.transaction():
        org.store.put_many("ContentDocument", [(document_id, document)])
        org.store.put_many("ContentVersion", [(outcome.id, version)])
        org.store.put_blob(outcome.id, data)
        location = version.get("FirstPublishLocationId")
        if location:
            link_id = org.ids.new(org.objects["ContentDocumentLink"].key_prefix)
            org.store.put_many(
                "ContentDocumentLink",
                [
                    (
                        link_id,
                        {
                            "Id": link_id,
                            "ContentDocumentId": document_id,
                            "LinkedEntityId": location,
                            "ShareType": "I",
                            "Visibility": "AllUsers",
                            "IsDeleted": False,
                            "CreatedDate": stamp,
                            "CreatedById": caller.user_id,
                            "SystemModstamp": stamp,
                        },
                    )
                ],
            )
    return outcome


def cascade_document_delete(org: Org, dml: Dml, document_ids: list[str], caller: Caller) -> None:
    """Deleting a ContentDocument removes its versions and links too."""
    for field, obj in (
        ("ContentDocumentId", "ContentVersion"),
        ("ContentDocumentId", "ContentDocumentLink"),
    ):
        found = org.store.find_by(obj, field, document_ids)
        ids = [rid for matches in found.values() for rid, _ in matches]
        if ids:
            dml.delete(ids, caller)
