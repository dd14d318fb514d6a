"""Writes one table's records: existence check, insert-or-upsert, Bulk API 2.0 or sObject
Collections, per-record results, safe retries and serial mode for locked parents.

Idempotency: every record carries its source key in an External ID field. Records that exist are
upserted by it; new records that carry audit fields (CreatedDate) are *inserted*, because audit
fields can be set on insert only; the existence check right before makes that insert safe to
repeat. A failed row was not written, so re-sending rows that failed with a lock error (or that a
failed job left unprocessed) can never duplicate them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from shared.destinations.base import BeforeImage, Payload, RecordResult, WriteOptions, WriteResult
from shared.destinations.errors import TerminalError
from shared.destinations.salesforce import soql
from shared.destinations.salesforce.bulk import BulkIngest, JobOutcome
from shared.destinations.salesforce.client import SalesforceClient
from shared.destinations.salesforce.payloads import (
    AUDIT_FIELDS,
    is_relationship,
    lookup_field,
    to_csv,
    to_sobject,
)
from shared.destinations.salesforce.status import (
    RETRYABLE_RECORD_CODES,
    parse_bulk_error,
    reason_for,
)

WriteOperation = Literal["insert", "upsert"]
COLLECTION_SIZE = 200
# Existence and read-back queries in flight at once (Salesforce allows 25 long-running calls).
QUERY_PARALLELISM = 4


@dataclass
class Item:
    """One record on its way: its position, source key, payload and chosen operation."""

    index: int
    key: str
    payload: dict[str, Any]
    operation: WriteOperation = "upsert"
    existing_id: str | None = None
    # Why the last attempt must be repeated: a lock error, or NOT_PROCESSED (job failed).
    retry_reason: str | None = None


@dataclass
class Attempt:
    """Results of one round: final per-record results and the items worth another try."""

    results: dict[int, RecordResult] = field(default_factory=dict)
    retry: list[Item] = field(default_factory=list)
    # Inserts the unique key refused because the record exists: they become upserts.
    exists: list[Item] = field(default_factory=list)


def image_columns(payload: Payload, key_column: str) -> list[str]:
    """The stored fields a payload overwrites (lookup id fields for relationship columns)."""
    columns = []
    for column in payload:
        if column == key_column or column in AUDIT_FIELDS:
            continue
        columns.append(lookup_field(column) if is_relationship(column) else column)
    return list(dict.fromkeys(columns))


class TableWriter:
    """Loads records into one object by its External ID key column."""

    def __init__(
        self,
        client: SalesforceClient,
        bulk: BulkIngest,
        table: str,
        key_column: str,
        *,
        audit_fields_allowed: bool,
        key_unique: bool = False,
    ) -> None:
        self.client, self.bulk = client, bulk
        self.table, self.key_column = table, key_column
        self.audit_fields_allowed = audit_fields_allowed
        self.key_unique = key_unique
        self.settings = client.settings
        self.audit_fields_dropped = 0

    async def write(self, records: Sequence[Payload], options: WriteOptions) -> WriteResult:
        """Write `records`; one bad record never fails the call (schema problems do)."""
        requests, retries = self.client.usage.requests, self.client.usage.retries
        results: dict[int, RecordResult] = {}
        items: list[Item] = []
        for index, record in enumerate(records):
            key = record.get(self.key_column)
            if key in (None, ""):
                results[index] = RecordResult(key="", status="rejected", reason_code="missing_key")
            else:
                items.append(Item(index, str(key), dict(record)))
        if options.update_only:
            images = await self._prepare(items)
            for item in [i for i in items if i.existing_id is None]:
                results[item.index] = RecordResult(
                    key=item.key, status="rejected", reason_code="record_missing"
                )
            items = [i for i in items if i.existing_id is not None]
        elif options.first_load and self.key_unique:
            # First load: the unique key is the existence check, done by the server in the same
            # write; only the rows it refuses are read (for before-images) and upserted.
            images = self._assume_new(items)
        else:
            images = await self._prepare(items)
        pending, lock_rounds, lock_retries, first = items, 0, 0, True
        while pending:
            # Rows that lost a parent's lock go one request at a time (serial mode); rows a failed
            # job never reached may take another job.
            locked = any(i.retry_reason in RETRYABLE_RECORD_CODES for i in pending)
            use_bulk = (first or not locked) and len(pending) >= self.settings.bulk_min_records
            attempt = await (self._bulk(pending, options) if use_bulk else self._serial(pending))
            first = False
            results.update(attempt.results)
            if attempt.exists:
                images.extend(await self._prepare(attempt.exists))
                for item in attempt.exists:
                    if item.operation == "insert":  # refused, yet not found: another unique field
                        results[item.index] = self._rejected(item, "DUPLICATE_VALUE")
            if attempt.retry:
                lock_rounds += 1
                lock_retries += len(attempt.retry)
                if lock_rounds > self.settings.lock_retry_rounds:
                    for item in attempt.retry:
                        results[item.index] = self._rejected(item, item.retry_reason or "")
                    attempt.retry = []
            pending = [i for i in attempt.exists if i.operation == "upsert"] + attempt.retry
        return WriteResult(
            table=self.table,
            batch_id=options.batch_id,
            results=[results[i] for i in sorted(results)],
            before_images=images,
            requests=self.client.usage.requests - requests,
            throttled=self.client.usage.retries - retries + lock_retries,
        )

    async def capture(self, records: Sequence[Payload]) -> tuple[list[str], list[BeforeImage]]:
        """Existing keys and their before-images, read before anything is written."""
        items = [Item(index, str(record[self.key_column]), dict(record))
                 for index, record in enumerate(records)
                 if record.get(self.key_column) not in (None, "")]  # fmt: skip
        images = await self._prepare(items)
        return [item.key for item in items if item.existing_id is not None], images

    # --- existence check and before-images -------------------------------------------------
    def _assume_new(self, items: list[Item]) -> list[BeforeImage]:
        for item in items:
            audit = AUDIT_FIELDS & item.payload.keys()
            if audit and not self.audit_fields_allowed:
                self.audit_fields_dropped += 1
                for name in audit:
                    item.payload.pop(name)
            item.operation = "insert"
        return []

    async def _prepare(self, items: list[Item]) -> list[BeforeImage]:
        columns = image_columns({c: None for item in items for c in item.payload}, self.key_column)
        existing = await self._existing([item.key for item in items], columns)
        images = []
        for item in items:
            current = existing.get(item.key.lower())
            audit: set[str] = set(AUDIT_FIELDS & item.payload.keys())
            if current is not None:
                item.existing_id = str(current["Id"])
                wanted = image_columns(item.payload, self.key_column)
                images.append(
                    BeforeImage(
                        key=item.key,
                        id=item.existing_id,
                        values={c: current.get(c) for c in wanted},
                    )
                )
            if audit and (current is not None or not self.audit_fields_allowed):
                if current is None:
                    self.audit_fields_dropped += 1
                for name in audit:
                    item.payload.pop(name)
                audit = set()
            item.operation = "insert" if audit else "upsert"
        return images

    async def _existing(self, keys: list[str], columns: list[str]) -> dict[str, dict[str, Any]]:
        records = await records_by_key(self.client, self.table, self.key_column, keys, columns)
        return {key.lower(): record for key, record in records.items()}

    # --- Bulk API 2.0 ----------------------------------------------------------------------
    async def _bulk(self, items: list[Item], options: WriteOptions) -> Attempt:
        attempt = Attempt()
        for operation in ("insert", "upsert"):
            group = [item for item in items if item.operation == operation]
            if not group:
                continue
            outcome = await self.bulk.run(
                self.table,
                operation,
                to_csv([i.payload for i in group], updates=operation == "upsert"),
                external_id=self.key_column if operation == "upsert" else None,
                table_context=self.table,
            )
            if outcome.schema_problem:
                raise TerminalError(
                    "schema_not_ready",
                    destination="salesforce",
                    table=self.table,
                    batch_id=options.batch_id,
                    service_code="InvalidBatch",
                )
            self._collect(outcome, group, attempt)
        return attempt

    def _collect(self, outcome: JobOutcome, group: list[Item], attempt: Attempt) -> None:
        by_key: dict[str, list[Item]] = {}
        for item in group:
            by_key.setdefault(item.key.lower(), []).append(item)

        def take(row: dict[str, str]) -> Item | None:
            queue = by_key.get(str(row.get(self.key_column, "")).lower())
            return queue.pop(0) if queue else None

        for row in outcome.successful:
            done = take(row)
            if done is not None:
                item = done
                status = "created" if row.get("sf__Created") == "true" else "updated"
                attempt.results[item.index] = RecordResult(
                    key=item.key, status=status, id=row.get("sf__Id") or None
                )
        for row in outcome.failed:
            failed = take(row)
            if failed is None:
                continue
            item = failed
            code, fields = parse_bulk_error(row.get("sf__Error", ""))
            if self._exists(item, code, fields):
                attempt.exists.append(item)
            elif code in RETRYABLE_RECORD_CODES:
                item.retry_reason = code
                attempt.retry.append(item)
            else:
                attempt.results[item.index] = self._rejected(item, code)
        # Rows a failed or aborted job never reached go round again.
        for queue in by_key.values():
            for item in queue:
                item.retry_reason = "NOT_PROCESSED"
                attempt.retry.append(item)

    # --- sObject Collections, one request at a time ----------------------------------------
    async def _serial(self, items: list[Item]) -> Attempt:
        attempt = Attempt()
        # Rows of the same parent travel together, so no two requests compete for its lock.
        ordered = sorted(
            items,
            key=lambda i: [str(v) for c, v in sorted(i.payload.items()) if is_relationship(c)],
        )
        for operation in ("insert", "upsert"):
            group = [item for item in ordered if item.operation == operation]
            for start in range(0, len(group), COLLECTION_SIZE):
                await self._collection(group[start : start + COLLECTION_SIZE], operation, attempt)
        return attempt

    async def _collection(self, chunk: list[Item], operation: str, attempt: Attempt) -> None:
        body = {"allOrNone": False, "records": [to_sobject(i.payload, self.table) for i in chunk]}
        if operation == "insert":
            response = await self.client.request(
                "POST", "composite/sobjects", json=body, idempotent=False, expect=(200,)
            )
        else:
            path = f"composite/sobjects/{soql.name(self.table)}/{soql.name(self.key_column)}"
            response = await self.client.request(
                "PATCH", path, json=body, idempotent=True, expect=(200,)
            )
        for item, result in zip(chunk, response.json(), strict=True):
            if result.get("success"):
                created = operation == "insert" or bool(result.get("created"))
                attempt.results[item.index] = RecordResult(
                    key=item.key, status="created" if created else "updated", id=result.get("id")
                )
                continue
            errors = result.get("errors") or [{}]
            code = str(errors[0].get("statusCode") or errors[0].get("errorCode") or "UNKNOWN")
            if code in ("INVALID_FIELD", "INVALID_FIELD_FOR_INSERT_UPDATE") and not any(
                "Foreign key" in str(e.get("message", "")) for e in errors
            ):
                raise TerminalError(
                    "schema_not_ready",
                    destination="salesforce",
                    table=self.table,
                    service_code=code,
                )
            if self._exists(item, code, list(errors[0].get("fields") or [])):
                attempt.exists.append(item)
            elif code in RETRYABLE_RECORD_CODES:
                item.retry_reason = code
                attempt.retry.append(item)
            else:
                attempt.results[item.index] = self._rejected(item, code)

    def _exists(self, item: Item, code: str, fields: list[str]) -> bool:
        return (
            item.operation == "insert" and code == "DUPLICATE_VALUE" and self.key_column in fields
        )

    def _rejected(self, item: Item, code: str) -> RecordResult:
        return RecordResult(
            key=item.key,
            status="rejected",
            id=item.existing_id,
            reason_code=reason_for(code or "UNKNOWN"),
            service_code=code or None,
        )


async def records_by_key(
    client: SalesforceClient,
    table: str,
    key_column: str,
    keys: Sequence[str],
    columns: Sequence[str],
    parallel: int = QUERY_PARALLELISM,
) -> dict[str, dict[str, Any]]:
    """Records whose key column is one of `keys` (several `IN` queries, a few at a time)."""
    fields = ["Id", key_column, *columns]
    gate = asyncio.Semaphore(parallel)

    async def one(part: Sequence[str]) -> list[dict[str, Any]]:
        async with gate:
            where = f"{soql.name(key_column)} IN {soql.in_list(part)}"
            return await query_all(client, soql.select(table, fields, where))

    pages = await asyncio.gather(*(one(p) for p in soql.chunks(sorted(set(keys)))))
    return {str(r[key_column]): r for page in pages for r in page}


async def query_all(client: SalesforceClient, text: str) -> list[dict[str, Any]]:
    """Every record of a SOQL query, following `nextRecordsUrl`."""
    response = await client.request("GET", "query", params={"q": text})
    body = response.json()
    records: list[dict[str, Any]] = list(body.get("records", []))
    while not body.get("done", True) and body.get("nextRecordsUrl"):
        path = str(body["nextRecordsUrl"]).split(f"/v{client.settings.api_version}/", 1)[1]
        body = (await client.request("GET", path)).json()
        records.extend(body.get("records", []))
    return records
