"""Bulk upsert of one table's records by alternate key, with per-record results and before-images.

Per chunk: `CurrentRecords` reads the records that already exist (their ids and the current
values of the columns about to be written: the before-images); new records then go in one
CreateMultiple (which returns their ids and accepts create-only columns such as
`overriddencreatedon`), changed ones in one UpsertMultiple, and records identical to what is
stored are left alone. First loads may create without reading first. A bulk request that fails
(one bad record fails all on standard tables) is split in halves until the bad records stand
alone, so each gets its own `rejected` result with the service's error code.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from shared.destinations.base import BeforeImage, Payload, RecordResult, WriteOptions, WriteResult
from shared.destinations.dataverse.behaviours import TableBehaviour
from shared.destinations.dataverse.client import ClientStats, DataverseClient
from shared.destinations.dataverse.current import (
    CREATE_ONLY,
    CurrentRecords,
    Describe,
    Item,
    TableTarget,
)
from shared.destinations.dataverse.odata import key_problem, key_url
from shared.destinations.errors import DestinationError, RecordRejected

MAX_REQUEST_CHARS = 16_000_000


def write_headers(options: WriteOptions) -> dict[str, str]:
    """Optional Web API headers the operator switched on (duplicate detection stays off)."""
    suppress = "false" if options.duplicate_detection else "true"
    headers = {"MSCRM.SuppressDuplicateDetection": suppress}
    if options.bypass_business_logic:
        headers["MSCRM.BypassBusinessLogicExecution"] = "CustomSync,CustomAsync"
    if options.suppress_flows:
        headers["MSCRM.SuppressCallbackRegistrationExpanderJob"] = "true"
    return headers


class TableWriter:
    """Writes records of one table for one call of `Destination.write`."""

    def __init__(
        self,
        client: DataverseClient,
        target: TableTarget,
        behaviour: TableBehaviour,
        options: WriteOptions,
        *,
        describe: Describe,
        max_batch: int,
        max_upload_bytes: int | None = None,
    ) -> None:
        self.client = client
        self.target = target
        self.info = target.info
        self.behaviour = behaviour
        self.options = options
        self.max_batch = max_batch
        self.max_upload_bytes = max_upload_bytes
        self.stats = ClientStats()
        self.current = CurrentRecords(client, target, behaviour, describe, self.stats)
        self.headers = write_headers(options)
        self.context = {
            "run_id": options.run_id,
            "table": self.info.name,
            "batch_id": options.batch_id,
        }

    async def write(self, records: Sequence[Payload]) -> WriteResult:
        """Per-record results in input order, plus before-images of updated records."""
        items, rejected = self._prepare(records)
        images: list[BeforeImage] = []
        for chunk_images in await asyncio.gather(*map(self._write_chunk, self._chunks(items))):
            images.extend(chunk_images)
        results = {item.index: item.result for item in items if item.result is not None}
        results.update(rejected)
        return WriteResult(
            table=self.info.name,
            batch_id=self.options.batch_id,
            results=[results[index] for index in sorted(results)],
            before_images=images,
            requests=self.stats.requests,
            throttled=self.stats.throttled,
        )

    def _prepare(self, records: Sequence[Payload]) -> tuple[list[Item], dict[int, RecordResult]]:
        items: list[Item] = []
        rejected: dict[int, RecordResult] = {}
        seen: set[str] = set()
        run_column = self.target.run_column
        for index, raw in enumerate(records):
            record = dict(raw)
            key = record.get(self.target.key_column)
            problem = key_problem(key)
            if problem is None and str(key) in seen:
                problem = "duplicate_key_in_batch"
            if problem is None:
                record, problem = self.behaviour.prepare(record, self.max_upload_bytes)
            if problem is not None:
                rejected[index] = RecordResult(
                    key=str(key or ""), status="rejected", reason_code=problem
                )
                continue
            seen.add(str(key))
            if run_column and self.options.run_id:
                record.setdefault(run_column, self.options.run_id)
            items.append(Item(index, str(key), record))
        return items, rejected

    def _chunks(self, items: list[Item]) -> Iterator[list[Item]]:
        chunk: list[Item] = []
        size = 0
        for item in items:
            item_size = sum(len(str(value)) for value in item.record.values())
            if chunk and (len(chunk) >= self.max_batch or size + item_size > MAX_REQUEST_CHARS):
                yield chunk
                chunk, size = [], 0
            chunk.append(item)
            size += item_size
        if chunk:
            yield chunk

    async def _write_chunk(self, items: list[Item]) -> list[BeforeImage]:
        optimistic = self.options.first_load and self.target.bulk
        if optimistic and await self._create_optimistically(items):
            return []
        current = self.current
        await current.load(items)
        new = [item for item in items if item.existing is None]
        existing = [item for item in items if item.existing is not None]
        await current.resolve_key_binds([i for i in existing if current.columns_unchanged(i)])
        changed: list[Item] = []
        for item in existing:
            if current.unchanged(item):
                item.result = self._result(item, "unchanged", current.current_id(item))
            else:
                changed.append(item)
        images = [
            BeforeImage(key=item.key, id=current.current_id(item), values=await current.image(item))
            for item in changed
        ]
        await asyncio.gather(
            *(
                self.behaviour.before_update(
                    self.client,
                    self._path(current.current_id(item)),
                    item.existing or {},
                    self.stats,
                )
                for item in changed
            )
        )
        await asyncio.gather(self._create(new), self._update(changed, status="updated"))
        await asyncio.gather(*(self._after_write(item) for item in items))
        return images

    # -- sending -------------------------------------------------------------------------------

    def _path(self, record_id: str) -> str:
        return f"{self.info.collection}({record_id})"

    def _typed(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"@odata.type": f"Microsoft.Dynamics.CRM.{self.info.name}", **body}

    def _create_body(self, item: Item) -> dict[str, Any]:
        return self._typed(self.behaviour.create_payload(item.record))

    def _upsert_body(self, item: Item) -> dict[str, Any]:
        # The key goes in @odata.id only: repeating it in the body fails the create path.
        payload = self.behaviour.update_payload(item.record)
        body = {
            k: v for k, v in payload.items() if k != self.target.key_column and k not in CREATE_ONLY
        }
        body["@odata.id"] = key_url(self.info.collection, self.target.key_column, item.key)
        return self._typed(body)

    async def _create(self, items: list[Item]) -> None:
        if not items:
            return
        if not self.target.bulk:
            await asyncio.gather(*(self._upsert_one(item, "created") for item in items))
            return
        await self._bulk("CreateMultiple", items, self._create_body, "created")
        # A retried create whose first attempt landed (dropped connection) meets its own key:
        # re-read those and update them instead, so every record lands exactly once.
        clashes = [
            item for item in items if item.result and item.result.reason_code == "duplicate_key"
        ]
        await self.current.load(clashes)
        landed = [item for item in clashes if item.existing is not None]
        await self._update(landed, status="created")

    async def _create_optimistically(self, items: list[Item]) -> bool:
        """First loads: one CreateMultiple without reading first. A standard-table bulk request
        is all-or-nothing, so on any rejection (a key that exists, a bad record) nothing was
        written and the chunk takes the checked path instead."""
        try:
            response = await self.client.request(
                "POST",
                f"{self.info.collection}/Microsoft.Dynamics.CRM.CreateMultiple",
                json={"Targets": [self._create_body(item) for item in items]},
                headers=self.headers,
                context=self.context,
                stats=self.stats,
            )
        except RecordRejected:
            return False
        ids = response.json().get("Ids") or []
        for item, record_id in zip(items, ids, strict=True):
            item.result = self._result(item, "created", str(record_id))
        await asyncio.gather(*(self._after_write(item) for item in items))
        return True

    async def _update(self, items: list[Item], *, status: str) -> None:
        if not items:
            return
        if not self.target.bulk:
            await asyncio.gather(*(self._upsert_one(item, status) for item in items))
            return
        await self._bulk("UpsertMultiple", items, self._upsert_body, status)

    async def _bulk(
        self,
        message: str,
        items: list[Item],
        body: Callable[[Item], dict[str, Any]],
        status: str,
    ) -> None:
        try:
            response = await self.client.request(
                "POST",
                f"{self.info.collection}/Microsoft.Dynamics.CRM.{message}",
                json={"Targets": [body(item) for item in items]},
                headers=self.headers,
                context=self.context,
                stats=self.stats,
            )
        except RecordRejected as error:
            if len(items) == 1:
                items[0].result = self._rejected(items[0], error)
                return
            middle = len(items) // 2
            await asyncio.gather(
                self._bulk(message, items[:middle], body, status),
                self._bulk(message, items[middle:], body, status),
            )
            return
        ids = response.json().get("Ids") if response.content else None
        for number, item in enumerate(items):
            record_id = str(ids[number]) if ids else self.current.current_id(item)
            item.result = self._result(item, status, record_id)

    async def _upsert_one(self, item: Item, status: str) -> None:
        """Non-bulk tables: PATCH by key URL, asking for the id back."""
        creating = item.existing is None
        payload = (self.behaviour.create_payload if creating else self.behaviour.update_payload)(
            item.record
        )
        body = {k: v for k, v in payload.items() if k != self.target.key_column}
        if not creating:
            body = {k: v for k, v in body.items() if k not in CREATE_ONLY}
        try:
            response = await self.client.request(
                "PATCH",
                key_url(self.info.collection, self.target.key_column, item.key),
                json=body,
                params={"$select": self.info.primary_id},
                headers={**self.headers, "Prefer": "return=representation"},
                context=self.context,
                stats=self.stats,
            )
        except RecordRejected as error:
            item.result = self._rejected(item, error)
            return
        record_id = str(response.json()[self.info.primary_id])
        outcome = "created" if response.status_code == 201 else status
        item.result = self._result(item, outcome, record_id)

    async def _after_write(self, item: Item) -> None:
        result = item.result
        if result is None or result.status not in ("created", "updated") or result.id is None:
            return
        try:
            await self.behaviour.after_write(
                self.client, self._path(result.id), item.record, self.stats
            )
        except RecordRejected as error:
            item.result = self._rejected(item, error).model_copy(update={"id": result.id})

    def _result(self, item: Item, status: Any, record_id: str | None) -> RecordResult:
        return RecordResult(key=item.key, status=status, id=record_id)

    def _rejected(self, item: Item, error: DestinationError) -> RecordResult:
        return RecordResult(
            key=item.key,
            status="rejected",
            reason_code=error.reason_code,
            status_code=error.status_code,
            service_code=error.service_code,
        )
