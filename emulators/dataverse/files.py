"""File columns (single and chunked uploads, download) and notes' block upload/download actions."""

from __future__ import annotations

import base64
import re
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from emulators.dataverse import errors
from emulators.dataverse.cost import CostModel
from emulators.dataverse.http import ApiRequest, ApiResponse
from emulators.dataverse.metadata.catalog import Catalog
from emulators.dataverse.metadata.model import Column, Table
from emulators.dataverse.store import Store
from emulators.dataverse.writes import Caller, Writer

CHUNK_SIZE = 4 * 1024 * 1024
DEFAULT_MAX_SIZE_KB = 32768
SINGLE_REQUEST_LIMIT = 128 * 1024 * 1024
_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    entity TEXT NOT NULL, id TEXT NOT NULL, col TEXT NOT NULL, name TEXT NOT NULL,
    data BLOB NOT NULL, PRIMARY KEY (entity, id, col)) WITHOUT ROWID;
"""


@dataclass
class _Upload:
    table: str
    record_id: str
    column: str
    file_name: str
    data: bytearray = field(default_factory=bytearray)
    blocks: dict[str, bytes] = field(default_factory=dict)
    target: dict[str, Any] = field(default_factory=dict)


class Files:
    """File column content in SQLite; upload sessions in memory (they expire with the process)."""

    def __init__(self, store: Store, catalog: Catalog, writer: Writer, costs: CostModel) -> None:
        self.store = store
        self.catalog = catalog
        self.writer = writer
        self.costs = costs
        self.sessions: dict[str, _Upload] = {}
        store.db.executescript(_SCHEMA)

    def _save(
        self, table: Table, record_id: str, column: Column, name: str, data: bytes, caller: Caller
    ) -> None:
        limit_kb = column.max_size_kb or DEFAULT_MAX_SIZE_KB
        if len(data) > limit_kb * 1024:
            raise errors.bad_request(
                f"The file exceeds the maximum size of {limit_kb} KB for column "
                f"'{column.logical_name}'.",
                "0x80090001",
            )
        with self.store.transaction():
            self.store.db.execute(
                "INSERT OR REPLACE INTO files (entity, id, col, name, data) VALUES (?,?,?,?,?)",
                (table.logical_name, record_id, column.logical_name, name, data),
            )
            found = self.store.get(table.logical_name, record_id)
            assert found is not None
            record = found[1]
            record[column.logical_name] = record.get(column.logical_name) or str(uuid.uuid4())
            record[f"{column.logical_name}_name"] = name
            version = self.store.next_version()
            record["versionnumber"] = version
            self.store.put_many(table.logical_name, [(record_id, version, record)])

    def handle(
        self,
        req: ApiRequest,
        table: Table,
        record_id: str,
        column: Column,
        value_segment: bool,
        caller: Caller,
    ) -> ApiResponse:
        """PATCH (upload, chunked or not), GET .../$value (download), DELETE (clear)."""
        if req.method == "GET" and value_segment:
            row = self.store.db.execute(
                "SELECT name, data FROM files WHERE entity = ? AND id = ? AND col = ?",
                (table.logical_name, record_id, column.logical_name),
            ).fetchone()
            if row is None:
                raise errors.DataverseError(
                    404,
                    errors.OBJECT_DOES_NOT_EXIST,
                    "No file attachment found for attribute: "
                    f"{column.logical_name} EntityId: {record_id}.",
                )
            headers = {
                "Content-Type": "application/octet-stream",
                "x-ms-file-name": quote(row[0]),
                "x-ms-file-size": str(len(row[1])),
            }
            return ApiResponse(200, bytes(row[1]), headers, self.costs.charge("read", 1), "read", 1)
        if req.method == "DELETE":
            with self.store.transaction():
                self.store.db.execute(
                    "DELETE FROM files WHERE entity = ? AND id = ? AND col = ?",
                    (table.logical_name, record_id, column.logical_name),
                )
                self.writer.update(table, record_id, {}, caller)
            return ApiResponse(204, None, {}, self.costs.charge("update", 1), "update", 1)
        if req.method != "PATCH":
            raise errors.resource_not_found(column.logical_name)
        name = req.header("x-ms-file-name") or req.query.get("x-ms-file-name") or "file"
        token = req.query.get("sessiontoken")
        if token is not None:
            return self._chunk(req, token, table, column, caller)
        if (req.header("x-ms-transfer-mode") or "").lower() == "chunked":
            token = secrets.token_urlsafe(24)
            self.sessions[token] = _Upload(table.logical_name, record_id, column.logical_name, name)
            location = (
                f"{req.service_root}/{table.entity_set_name}({record_id})/"
                f"{column.logical_name}?sessiontoken={token}"
            )
            headers = {
                "Location": location,
                "x-ms-chunk-size": str(CHUNK_SIZE),
                "Accept-Ranges": "bytes",
            }
            return ApiResponse(200, None, headers, self.costs.charge("update"), "update")
        if len(req.body) > SINGLE_REQUEST_LIMIT:
            raise errors.DataverseError(413, "0x80090001", "The request length is too large.")
        self._save(table, record_id, column, name, req.body, caller)
        cost = self.costs.charge("update", 1, len(req.body))
        return ApiResponse(204, None, {}, cost, "update", 1)

    def _chunk(
        self, req: ApiRequest, token: str, table: Table, column: Column, caller: Caller
    ) -> ApiResponse:
        upload = self.sessions.get(token)
        match = _RANGE.match(req.header("content-range") or "")
        if upload is None or match is None:
            raise errors.bad_request("The upload session or Content-Range is not valid.")
        start, end, total = (int(g) for g in match.groups())
        if start != len(upload.data) or end - start + 1 != len(req.body):
            raise errors.bad_request("Content-Range does not continue the upload.")
        upload.data.extend(req.body)
        cost = self.costs.charge("update", 0, len(req.body))
        if end + 1 < total:
            return ApiResponse(206, None, {}, cost, "update")
        del self.sessions[token]
        self._save(table, upload.record_id, column, upload.file_name, bytes(upload.data), caller)
        return ApiResponse(204, None, {}, cost, "update", 1)

    # --- notes: block upload / download actions ------------------------------------------
    def annotation_action(self, req: ApiRequest, action: str, caller: Caller) -> ApiResponse:
        """Initialize/Upload/Commit AnnotationBlocksUpload and the download pair."""
        payload = req.json()
        root = f"{req.service_root}/$metadata#Microsoft.Dynamics.CRM.{action}Response"
        table = self.catalog.table("annotation")
        assert table is not None
        if action == "InitializeAnnotationBlocksUpload":
            target = dict(payload.get("Target") or {})
            token = secrets.token_urlsafe(24)
            self.sessions[token] = _Upload(
                "annotation",
                str(target.get("annotationid") or ""),
                "documentbody",
                str(target.get("filename") or ""),
                target=target,
            )
            return ApiResponse(
                200,
                {"@odata.context": root, "FileContinuationToken": token},
                {},
                self.costs.charge("other"),
                "other",
            )
        upload = self.sessions.get(str(payload.get("FileContinuationToken")))
        if action == "UploadBlock":
            if upload is None:
                raise errors.bad_request("The FileContinuationToken is not valid.")
            block = base64.b64decode(str(payload.get("BlockData", "")))
            upload.blocks[str(payload.get("BlockId"))] = block
            return ApiResponse(204, None, {}, self.costs.charge("other", 0, len(block)), "other")
        if action == "CommitAnnotationBlocksUpload":
            if upload is None:
                raise errors.bad_request("The FileContinuationToken is not valid.")
            data = b"".join(upload.blocks[str(b)] for b in payload.get("BlockList") or [])
            body = {
                k: v
                for k, v in {**upload.target, **(payload.get("Target") or {})}.items()
                if k != "@odata.type"
            }
            body["documentbody"] = base64.b64encode(data).decode()
            with self.store.transaction():
                existing = body.get("annotationid")
                if existing and self.store.exists("annotation", str(existing)):
                    record_id = str(existing)
                    body.pop("annotationid")
                    self.writer.update(table, record_id, body, caller)
                else:
                    record_id = self.writer.create(table, body, caller).record_id
            del self.sessions[str(payload.get("FileContinuationToken"))]
            result = {
                "@odata.context": root,
                "AnnotationId": record_id,
                "FileSizeInBytes": len(data),
            }
            return ApiResponse(
                200, result, {}, self.costs.charge("create", 1, len(data)), "create", 1
            )
        return self._download(req, action, payload, root)

    def _download(
        self, req: ApiRequest, action: str, payload: dict[str, Any], root: str
    ) -> ApiResponse:
        if action == "InitializeAnnotationBlocksDownload":
            target = payload.get("Target") or {}
            record_id = str(target.get("annotationid") or "")
            odata_id = str(target.get("@odata.id") or "")
            if not record_id and "(" in odata_id:
                record_id = odata_id.rsplit("(", 1)[1].rstrip(")")
            found = self.store.get("annotation", record_id)
            if found is None:
                raise errors.record_not_found("annotation", record_id)
            data = base64.b64decode(found[1].get("documentbody") or "")
            token = secrets.token_urlsafe(24)
            self.sessions[token] = _Upload(
                "annotation",
                record_id,
                "documentbody",
                str(found[1].get("filename") or ""),
                bytearray(data),
            )
            body = {
                "@odata.context": root,
                "FileContinuationToken": token,
                "FileSizeInBytes": len(data),
                "FileName": found[1].get("filename"),
            }
            return ApiResponse(200, body, {}, self.costs.charge("read", 1), "read", 1)
        upload = self.sessions.get(str(payload.get("FileContinuationToken")))
        if upload is None:
            raise errors.bad_request("The FileContinuationToken is not valid.")
        offset, length = int(payload.get("Offset", 0)), int(payload.get("BlockLength", CHUNK_SIZE))
        chunk = bytes(upload.data[offset : offset + length])
        body = {"@odata.context": root, "Data": base64.b64encode(chunk).decode()}
        return ApiResponse(200, body, {}, self.costs.charge("read", 1, len(chunk)), "read", 1)


ANNOTATION_ACTIONS = frozenset(
    {
        "InitializeAnnotationBlocksUpload",
        "UploadBlock",
        "CommitAnnotationBlocksUpload",
        "InitializeAnnotationBlocksDownload",
        "DownloadBlock",
    }
)
