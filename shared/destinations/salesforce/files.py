"""Files as ContentVersion linked to a record: base64 JSON for small files, multipart above the
37.5 MB base64 limit; the original created date is kept when audit fields may be set."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime

from shared.destinations.salesforce import soql
from shared.destinations.salesforce.client import SalesforceClient
from shared.destinations.salesforce.payloads import render
from shared.destinations.salesforce.writer import query_all

JSON_BASE64_LIMIT = 37_500_000  # bytes of base64 text in a non-multipart request
MULTIPART_LIMIT = 2 * 1024**3


@dataclass(frozen=True)
class UploadedFile:
    """The created version, its document and the record it is linked to."""

    content_version_id: str
    content_document_id: str
    linked_entity_id: str


def base64_size(raw_bytes: int) -> int:
    """Length of the base64 text for `raw_bytes` bytes."""
    return 4 * ((raw_bytes + 2) // 3)


async def upload_file(
    client: SalesforceClient,
    record_id: str,
    file_name: str,
    data: bytes,
    *,
    title: str | None = None,
    created_date: datetime | None = None,
) -> UploadedFile:
    """Creates a ContentVersion first published to `record_id` (which links it to the record).

    Raises:
        ValueError: the file is larger than ContentVersion accepts (2 GB).
    """
    if len(data) > MULTIPART_LIMIT:
        raise ValueError("file larger than 2 GB")
    fields: dict[str, object] = {
        "Title": (title or file_name)[:255],
        "PathOnClient": file_name,
        "FirstPublishLocationId": record_id,
        "ContentLocation": "S",
    }
    if created_date is not None:
        fields["CreatedDate"] = render(created_date, null="")
    if base64_size(len(data)) <= JSON_BASE64_LIMIT:
        body = {**fields, "VersionData": base64.b64encode(data).decode("ascii")}
        response = await client.request(
            "POST", "sobjects/ContentVersion", json=body, idempotent=False, expect=(201,)
        )
    else:
        files = {
            "entity_content": (None, json.dumps(fields), "application/json"),
            "VersionData": (file_name, data, "application/octet-stream"),
        }
        response = await client.request(
            "POST", "sobjects/ContentVersion", files=files, idempotent=False, expect=(201,)
        )
    version_id = str(response.json()["id"])
    where = f"Id = {soql.literal(version_id)}"
    (version,) = await query_all(
        client, soql.select("ContentVersion", ["ContentDocumentId"], where)
    )
    return UploadedFile(version_id, str(version["ContentDocumentId"]), record_id)


async def link_file(client: SalesforceClient, document_id: str, record_id: str) -> str:
    """Shares an uploaded document with one more record; returns the link id."""
    response = await client.request(
        "POST",
        "sobjects/ContentDocumentLink",
        idempotent=False,
        expect=(201,),
        json={
            "ContentDocumentId": document_id,
            "LinkedEntityId": record_id,
            "ShareType": "V",
            "Visibility": "AllUsers",
        },
    )
    return str(response.json()["id"])
