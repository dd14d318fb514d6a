"""File columns (item 22) and notes' block upload/download actions (item 21)."""

from __future__ import annotations

import base64

import httpx

from tests.emulators.dataverse.helpers import label
from tests.fixtures.dataverse_emulator import DataverseEmulator

FILE_COLUMN = {
    "@odata.type": "Microsoft.Dynamics.CRM.FileAttributeMetadata",
    "SchemaName": "new_XRay",
    "DisplayName": label("X-ray"),
    "RequiredLevel": {"Value": "None"},
    "MaxSizeInKB": 64,
}


def _contact_with_file_column(api: httpx.Client) -> str:
    api.post(
        "EntityDefinitions(LogicalName='contact')/Attributes", json=FILE_COLUMN
    ).raise_for_status()
    created = api.post("contacts", json={"lastname": "Hart"})
    return str(created.headers["OData-EntityId"]).split("/v9.2/")[1]


def test_single_request_upload_and_download(fresh_dataverse: DataverseEmulator) -> None:
    content = b"\x89PNG" + bytes(range(256)) * 10
    with fresh_dataverse.client() as api:
        contact = _contact_with_file_column(api)
        upload = api.patch(
            f"{contact}/new_xray",
            content=content,
            headers={"Content-Type": "application/octet-stream", "x-ms-file-name": "pano.png"},
        )
        download = api.get(f"{contact}/new_xray/$value")
        record = api.get(f"{contact}?$select=new_xray,new_xray_name").json()
        too_big = api.patch(
            f"{contact}/new_xray", content=b"x" * 70_000, headers={"x-ms-file-name": "big.png"}
        )
    assert upload.status_code == 204
    assert download.content == content
    assert download.headers["x-ms-file-name"] == "pano.png"
    assert record["new_xray_name"] == "pano.png" and record["new_xray"]
    assert too_big.status_code == 400


def test_chunked_upload_answers_206_then_204(fresh_dataverse: DataverseEmulator) -> None:
    content = bytes(range(256)) * 100
    with fresh_dataverse.client() as api:
        contact = _contact_with_file_column(api)
        start = api.patch(
            f"{contact}/new_xray?x-ms-file-name=scan.pdf", headers={"x-ms-transfer-mode": "chunked"}
        )
        location = start.headers["Location"]
        first = api.patch(
            location,
            content=content[:10000],
            headers={"Content-Range": f"bytes 0-9999/{len(content)}", "x-ms-file-name": "scan.pdf"},
        )
        last = api.patch(
            location,
            content=content[10000:],
            headers={"Content-Range": f"bytes 10000-{len(content) - 1}/{len(content)}"},
        )
        download = api.get(f"{contact}/new_xray/$value")
    assert start.status_code == 200
    assert "sessiontoken=" in location and start.headers["x-ms-chunk-size"]
    assert (first.status_code, last.status_code) == (206, 204)
    assert download.content == content


def test_note_block_upload_commit_and_download(fresh_dataverse: DataverseEmulator) -> None:
    blocks = [b"A" * 1000, b"B" * 500]
    with fresh_dataverse.client() as api:
        contact = api.post("contacts", json={"lastname": "Hart"}).headers["OData-EntityId"]
        target = {
            "@odata.type": "Microsoft.Dynamics.CRM.annotation",
            "subject": "Scan",
            "filename": "scan.pdf",
            "mimetype": "application/pdf",
            "objectid_contact@odata.bind": contact.split("/v9.2")[1],
        }
        token = api.post("InitializeAnnotationBlocksUpload", json={"Target": target}).json()[
            "FileContinuationToken"
        ]
        ids = []
        for index, block in enumerate(blocks):
            block_id = base64.b64encode(f"block-{index:04d}".encode()).decode()
            ids.append(block_id)
            sent = api.post(
                "UploadBlock",
                json={
                    "BlockId": block_id,
                    "FileContinuationToken": token,
                    "BlockData": base64.b64encode(block).decode(),
                },
            )
            assert sent.status_code == 204
        committed = api.post(
            "CommitAnnotationBlocksUpload",
            json={"Target": target, "BlockList": ids, "FileContinuationToken": token},
        ).json()
        download = api.post(
            "InitializeAnnotationBlocksDownload",
            json={"Target": {"@odata.id": f"annotations({committed['AnnotationId']})"}},
        ).json()
        data = api.post(
            "DownloadBlock",
            json={
                "Offset": 0,
                "BlockLength": 4_194_304,
                "FileContinuationToken": download["FileContinuationToken"],
            },
        ).json()
    assert committed["FileSizeInBytes"] == 1500
    assert download["FileSizeInBytes"] == 1500 and download["FileName"] == "scan.pdf"
    assert base64.b64decode(data["Data"]) == b"".join(blocks)
