"""`DataverseDestination`: the destination Protocol over the Dataverse Web API."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from decimal import Decimal
from types import TracebackType
from typing import Any

from shared.destinations.base import (
    BeforeImage,
    Capabilities,
    Capture,
    OwnerReport,
    Payload,
    RecordResult,
    WriteOptions,
    WriteResult,
)
from shared.destinations.dataverse import bound, metadata, queries, rollback
from shared.destinations.dataverse.behaviours import behaviour_for
from shared.destinations.dataverse.client import DataverseClient
from shared.destinations.dataverse.current import TableTarget
from shared.destinations.dataverse.owners import resolve_owners
from shared.destinations.dataverse.provision import apply_plan
from shared.destinations.dataverse.schema_plan import SALES_PROFESSIONAL_CUSTOM_TABLES, plan_schema
from shared.destinations.dataverse.settings import DataverseSettings
from shared.destinations.dataverse.solution import solution_zip
from shared.destinations.dataverse.writer import TableWriter
from shared.destinations.errors import RecordRejected, TerminalError
from shared.destinations.schema import (
    DestinationSchema,
    SchemaNeeds,
    SchemaNotReady,
    SchemaPlan,
    TableInfo,
)


class DataverseDestination:
    """One Dataverse environment. Use as `async with`; all calls are async (see `run_sync`)."""

    created_column = "createdon"  # the record's timestamps, as rollback reads them
    modified_column = "modifiedon"

    def __init__(self, settings: DataverseSettings, client: DataverseClient | None = None) -> None:
        self.settings = settings
        self.client = client or DataverseClient(settings)
        self.prefix = settings.publisher_prefix
        self.key_column = f"{self.prefix}sourceid"
        self.run_column = f"{self.prefix}migrationrunid"
        self.capabilities = Capabilities(
            name="dataverse",
            max_batch_size=settings.max_batch_size,
            bulk_upsert=True,
            audit_fields=True,
            chunked_file_upload=settings.allow_block_upload,
            max_custom_tables=SALES_PROFESSIONAL_CUSTOM_TABLES,
            max_keys_per_table=10,
            requests_per_window=6000,
            window_seconds=300,
            users=len(settings.users),
        )
        self._tables: dict[str, TableInfo] = {}
        self._bulk: dict[str, bool] = {}
        self._collections: dict[str, str] = {}
        self._max_upload: int | None = settings.max_upload_bytes
        self._describing: dict[str, asyncio.Lock] = {}

    async def __aenter__(self) -> DataverseDestination:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close pooled connections."""
        await self.client.aclose()

    # -- schema --------------------------------------------------------------------------------

    async def describe(self, tables: Sequence[str] | None = None) -> DestinationSchema:
        """The named tables (default: every custom table) with columns, options and keys."""
        if tables is None:
            tables = await metadata.custom_table_names(self.client)
        names = list(tables)
        schema = await metadata.describe(self.client, names)
        self._tables.update(schema.tables)
        return schema

    async def plan_schema(self, needs: SchemaNeeds) -> SchemaPlan:
        """What the environment lacks for this map (with the 15-custom-table warning)."""
        live = await self.describe([table.name for table in needs.tables])
        custom = await metadata.custom_table_names(self.client)
        return plan_schema(needs, live, custom, self.prefix)

    async def apply_schema(self, plan: SchemaPlan) -> SchemaPlan:
        """Create what is missing (operator must allow it), wait for keys, re-plan."""
        if not self.settings.allow_metadata_apply:
            raise TerminalError("metadata_apply_not_allowed", destination="dataverse")
        fresh = await self.plan_schema(plan.needs)
        await apply_plan(self.client, fresh, self.prefix, self.settings.solution_unique_name)
        self._tables.clear()
        return await self.plan_schema(plan.needs)

    def solution_zip(self, plan: SchemaPlan) -> bytes:
        """An unmanaged solution holding the plan's missing items, for an admin to import."""
        return solution_zip(plan, self.settings.solution_unique_name, self.prefix)

    async def ensure_ready(self, needs: SchemaNeeds) -> SchemaPlan:
        """The plan, or `SchemaNotReady` naming what is missing: a run must not load before."""
        plan = await self.plan_schema(needs)
        if not plan.satisfied:
            raise SchemaNotReady(plan)
        return plan

    # -- owners --------------------------------------------------------------------------------

    async def resolve_users(self, emails: Sequence[str], fallback_email: str) -> OwnerReport:
        """Matched / disabled / unmatched per source e-mail; the fallback must be active."""
        return await resolve_owners(self.client, emails, fallback_email)

    # -- writing -------------------------------------------------------------------------------

    async def capture(self, table: str, records: Sequence[Payload]) -> Capture:
        """Write-ahead: which of these records exist, and their before-images, before any write."""
        writer = await self._writer(table, WriteOptions())
        existing, images = await writer.capture(records)
        return Capture(table=table, existing=existing, before_images=images)

    async def write(
        self, table: str, records: Sequence[Payload], options: WriteOptions | None = None
    ) -> WriteResult:
        """Upsert by the source-id key in bulk; per-record results and before-images."""
        options = options or WriteOptions(
            bypass_business_logic=self.settings.bypass_business_logic,
            suppress_flows=self.settings.suppress_flows,
        )
        return await (await self._writer(table, options)).write(records)

    async def _writer(self, table: str, options: WriteOptions) -> TableWriter:
        target = await self._target(table)
        max_upload = await self._max_upload_bytes() if table == "annotation" else None
        writer = TableWriter(
            self.client,
            target,
            behaviour_for(table, allow_block_upload=self.settings.allow_block_upload),
            options,
            describe=self.table_info,
            max_batch=self.settings.max_batch_size,
            max_upload_bytes=max_upload,
        )
        return writer

    async def table_info(self, table: str) -> TableInfo:
        """Cached metadata of one table; `TerminalError(unknown_table)` when it does not exist."""
        if table not in self._tables:
            info = await metadata.describe_table(self.client, table)
            if info is None:
                raise TerminalError("unknown_table", destination="dataverse", table=table)
            self._tables[table] = info
        return self._tables[table]

    async def collection_of(self, table: str) -> str:
        """The entity set name of a table (`contact` -> `contacts`)."""
        if table in self._tables:
            return self._tables[table].collection
        if table not in self._collections:
            body = await self.client.get_json(
                metadata.entity_path(table), {"$select": "EntitySetName"}
            )
            self._collections[table] = str(body["EntitySetName"])
        return self._collections[table]

    async def _target(self, table: str) -> TableTarget:
        # One describe per table even when many batches of it start at once (single flight).
        async with self._describing.setdefault(table, asyncio.Lock()):
            info = await self.table_info(table)
            bulk = await self._supports_bulk(table)
        key = info.key_on(self.key_column)
        if key is None or key.status != "active":
            raise TerminalError("schema_not_ready", destination="dataverse", table=table)
        run_column = self.run_column if self.run_column in info.columns else None
        return TableTarget(info, self.key_column, run_column, bulk)

    async def _supports_bulk(self, table: str) -> bool:
        """Probe `sdkmessagefilters` for CreateMultiple on the table (empty = unsupported)."""
        if table not in self._bulk:
            condition = (
                f"sdkmessageid/name eq 'CreateMultiple' and primaryobjecttypecode eq '{table}'"
            )
            try:
                rows = await self.client.get_all(
                    "sdkmessagefilters", {"$select": "sdkmessagefilterid", "$filter": condition}
                )
                self._bulk[table] = bool(rows)
            except (RecordRejected, TerminalError) as error:
                if error.status_code not in (400, 404):
                    raise
                self._bulk[table] = True  # no probe here: try bulk, single records on rejection
        return self._bulk[table]

    async def _max_upload_bytes(self) -> int:
        if self._max_upload is None:
            self._max_upload = await metadata.max_upload_bytes(self.client)
        return self._max_upload

    async def inactive_state(self, table: str) -> dict[str, Any] | None:
        """The state a record deleted in the source takes: Inactive, or Canceled for activities
        (the status is the state's default); None when the table has no such state (notes)."""
        if "statecode" not in (await self.table_info(table)).columns:
            return None
        options = await metadata.state_options(self.client, table)
        labels = {choice.label.lower(): choice.value for choice in options}
        for label in ("inactive", "canceled", "cancelled"):
            if label in labels:
                return {"statecode": labels[label]}
        return None

    # -- reading, reconciliation, rollback ----------------------------------------------------

    async def read_back(
        self, table: str, keys: Sequence[str], columns: Sequence[str]
    ) -> dict[str, dict[str, Any]]:
        """Current values of `columns` (plus formatted values) per source key."""
        info = await self.table_info(table)
        return await queries.read_back(self.client, info, self.key_column, keys, columns)

    async def bound_keys(
        self,
        table: str,
        keys: Sequence[str],
        binds: Sequence[str],
        by: Mapping[str, str] | None = None,
    ) -> dict[str, dict[str, str | None]]:
        """Per source key and bind name, the key (or GUID) of the record it points at.

        `by` names the alternate-key column a bind was sent with when it is not the source key.
        """
        info = await self.table_info(table)
        return await bound.bound_keys(
            self.client, info, self.key_column, keys, binds, self.table_info, by
        )

    @staticmethod
    def bind_by(value: Any) -> str | None:
        """The alternate-key column a lookup value names its target by, if any."""
        return bound.bind_by(value)

    @staticmethod
    def bind_target(value: Any) -> str | None:
        """The source key (or GUID) a lookup value sent by `write` points at."""
        return bound.bind_target(value)

    async def count(self, table: str, run_id: str) -> int:
        """Records of `table` written by this run."""
        info = await self.table_info(table)
        return await queries.count_run(self.client, info, self.run_column, run_id)

    async def sum(self, table: str, column: str, run_id: str) -> Decimal:
        """Total of `column` over this run's records."""
        info = await self.table_info(table)
        return await queries.sum_run(self.client, info, self.run_column, run_id, column)

    async def records_of_run(
        self, table: str, run_id: str, columns: Sequence[str] = ()
    ) -> dict[str, dict[str, Any]]:
        """Every record stamped with this run id (provenance column), by source key.

        Each row carries the destination id under `id`, `createdon`, `modifiedon` and `columns`;
        rollback uses it to find what a run touched even when a ledger row was lost.
        """
        info = await self.table_info(table)
        wanted = [self.key_column, self.created_column, self.modified_column, *columns]
        rows = await queries.rows_of_run(
            self.client, info, self.run_column, run_id, [c for c in wanted if c in info.columns]
        )
        return {
            str(row[self.key_column]): {**row, "id": str(row[info.primary_id])}
            for row in rows
            if row.get(self.key_column)
        }

    async def delete(self, table: str, ids: Sequence[str]) -> list[RecordResult]:
        """Delete by id (already gone = deleted)."""
        info = await self.table_info(table)
        return await rollback.delete_records(self.client, info, ids)

    async def restore(self, table: str, before_images: Sequence[BeforeImage]) -> list[RecordResult]:
        """PATCH records back to their before-images."""
        info = await self.table_info(table)
        return await rollback.restore_records(self.client, info, before_images)


def create_destination(
    settings: DataverseSettings | None = None, **overrides: Any
) -> DataverseDestination:
    """Registry factory: settings from the environment unless given."""
    if settings is None:
        settings = DataverseSettings(**overrides)
    elif overrides:
        settings = settings.model_copy(update=overrides)
    return DataverseDestination(settings)
