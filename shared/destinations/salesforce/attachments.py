"""Documents' files as Salesforce Files: published to their record after it is written, and
deleted with it on rollback.

A file is a ContentVersion first published to the record (FirstPublishLocationId), which links it.
That field stays on the version, so it is how a replayed batch sees a file is already there (no
second copy) and how rollback finds the files a run created along with the records.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

from shared.destinations.base import AttachedFile, RecordResult, WriteResult
from shared.destinations.errors import RecordRejected
from shared.destinations.salesforce import soql
from shared.destinations.salesforce.client import SalesforceClient
from shared.destinations.salesforce.files import upload_file
from shared.destinations.salesforce.writer import query_all

UPLOAD_PARALLELISM = 4
DELETE_CHUNK = 200  # ids per sObject Collections delete


async def _published(client: SalesforceClient, record_ids: Sequence[str]) -> list[dict[str, str]]:
    """(record id, file name, document id) of every version first published to these records."""
    found = []
    for part in soql.chunks(sorted(set(record_ids))):
        where = f"FirstPublishLocationId IN {soql.in_list(part)}"
        fields = ["FirstPublishLocationId", "PathOnClient", "ContentDocumentId"]
        found += await query_all(client, soql.select("ContentVersion", fields, where))
    return found


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


async def attach_files(
    client: SalesforceClient,
    written: WriteResult,
    files: Sequence[AttachedFile],
    *,
    keep_created_date: bool,
) -> WriteResult:
    """Uploads each file to its written record unless a file of that name is already there.

    A file the org refuses turns its record's result into `rejected` (`file_rejected`), so the
    ledger and reconciliation show the gap; throttling and outages raise (the batch retries).
    """
    ids = {r.key: r.id for r in written.results if r.status in ("created", "updated") and r.id}
    wanted = [f for f in files if f.key in ids]
    if not wanted:
        return written
    present = await _published(client, [ids[f.key] or "" for f in wanted])
    there = {(row["FirstPublishLocationId"], row["PathOnClient"]) for row in present}
    refused: dict[str, RecordResult] = {}
    gate = asyncio.Semaphore(UPLOAD_PARALLELISM)

    async def upload(file: AttachedFile) -> None:
        record_id = ids[file.key] or ""
        if (record_id, file.file_name) in there:
            return
        created = _moment(file.created_date) if keep_created_date else None
        async with gate:
            try:
                await upload_file(client, record_id, file.file_name, file.data,
                                  created_date=created)  # fmt: skip
            except RecordRejected as error:
                refused[file.key] = RecordResult(
                    key=file.key, status="rejected", id=record_id, reason_code="file_rejected",
                    status_code=error.status_code, service_code=error.service_code,
                )  # fmt: skip

    await asyncio.gather(*(upload(f) for f in wanted))
    results = [refused.get(r.key, r) for r in written.results]
    return written.model_copy(update={"results": results})


async def delete_files_of(client: SalesforceClient, record_ids: Sequence[str]) -> int:
    """Deletes the documents first published to these records (their versions and links go
    with them); returns how many. Already deleted ones count as done."""
    documents = sorted({row["ContentDocumentId"] for row in await _published(client, record_ids)
                        if row.get("ContentDocumentId")})  # fmt: skip
    for part in soql.chunks(documents, DELETE_CHUNK):
        await client.request(
            "DELETE", "composite/sobjects", params={"ids": ",".join(part), "allOrNone": "false"},
            expect=(200,),
        )  # fmt: skip
    return len(documents)
