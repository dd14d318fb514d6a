"""`SalesforceDestination`: the destination Protocol over Salesforce's REST, Bulk API 2.0 and
Metadata APIs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import Any

from shared.destinations.base import (
    AttachedFile,
    BeforeImage,
    Capabilities,
    Capture,
    OwnerReport,
    Payload,
    RecordResult,
    WriteOptions,
    WriteResult,
)
from shared.destinations.errors import TerminalError, TransientError
from shared.destinations.salesforce import attachments, soql
from shared.destinations.salesforce.bulk import BulkIngest
from shared.destinations.salesforce.client import SalesforceClient
from shared.destinations.salesforce.files import UploadedFile, upload_file
from shared.destinations.salesforce.owners import resolve_owners
from shared.destinations.salesforce.package import package_zip
from shared.destinations.salesforce.payloads import is_relationship, lookup_field, to_csv
from shared.destinations.salesforce.schema_plan import plan_schema, table_info
from shared.destinations.salesforce.settings import SalesforceSettings
from shared.destinations.salesforce.status import reason_for
from shared.destinations.salesforce.writer import TableWriter, query_all, records_by_key
from shared.destinations.schema import (
    DestinationSchema,
    SchemaNeeds,
    SchemaNotReady,
    SchemaPlan,
    TableInfo,
)

# Deleting something already gone is what a rollback wants.
_ALREADY_GONE = frozenset({"ENTITY_IS_DELETED", "INVALID_CROSS_REFERENCE_KEY"})


# Objects with a state a deleted source record can take (the map's own picklist value).
INACTIVE_STATES: dict[str, dict[str, Any]] = {"Appointment__c": {"Status__c": "Cancelled"}}


class SalesforceDestination:
    """One Salesforce org. Use as `async with`; all calls are async (see `run_sync`)."""

    created_column = "CreatedDate"  # the record's timestamps, as rollback reads them
    modified_column = "LastModifiedDate"

    def __init__(
        self, settings: SalesforceSettings, client: SalesforceClient | None = None
    ) -> None:
        self.settings = settings
        self.client = client or SalesforceClient(settings)
        self.bulk = BulkIngest(self.client)
        self.key_column = settings.key_column
        self.run_column = settings.run_id_column
        self.capabilities = Capabilities(
            name="salesforce",
            max_batch_size=settings.max_batch_size,
            bulk_upsert=True,
            audit_fields=True,
            max_file_bytes=2 * 1024**3,
            chunked_file_upload=True,
        )
        self._describes: dict[str, dict[str, Any]] = {}
        self.audit_fields_dropped = 0

    async def __aenter__(self) -> SalesforceDestination:
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

    # --- schema ----------------------------------------------------------------------------
    async def _describe(self, table: str) -> dict[str, Any] | None:
        if table not in self._describes:
            try:
                response = await self.client.request("GET", f"sobjects/{soql.name(table)}/describe")
            except TerminalError as exc:
                if exc.status_code == 404:
                    return None
                raise
            self._describes[table] = response.json()
        return self._describes[table]

    async def describe(self, tables: Sequence[str] | None = None) -> DestinationSchema:
        """Every custom object plus the named ones, as the integration user sees them."""
        listing = (await self.client.request("GET", "sobjects")).json()["sobjects"]
        wanted = {o["name"] for o in listing if o.get("custom")} | set(tables or [])
        schema = DestinationSchema()
        for name in sorted(wanted):
            body = await self._describe(name)
            if body is not None:
                schema.tables[name] = table_info(body)
        return schema

    async def table_info(self, table: str) -> TableInfo:
        """One object's describe as a TableInfo; TerminalError when the user cannot see it."""
        body = await self._describe(table)
        if body is None:
            raise TerminalError("table_not_found", destination="salesforce", table=table)
        return table_info(body)

    async def plan_schema(self, needs: SchemaNeeds) -> SchemaPlan:
        """Diff what the map needs against live describe results."""
        self._describes.clear()
        live = await self.describe([t.name for t in needs.tables])
        return plan_schema(needs, live)

    def metadata_package(self, plan: SchemaPlan) -> bytes:
        """The deploy zip an admin can deploy (sf project deploy / Workbench) for `plan`."""
        live_values = {
            (table, f["name"]): [v["value"] for v in f.get("picklistValues") or []]
            for table, body in self._describes.items()
            for f in body.get("fields", [])
            if f.get("picklistValues")
        }
        return package_zip(
            plan,
            api_version=self.settings.api_version,
            permission_set=self.settings.permission_set_name,
            live_values=live_values,
        )

    async def apply_schema(self, plan: SchemaPlan) -> SchemaPlan:
        """Deploy the package, assign its permission set to the integration user, re-plan.

        Raises:
            TerminalError: the operator did not allow metadata changes, or the deploy failed.
        """
        if not self.settings.allow_metadata_apply:
            raise TerminalError("metadata_apply_not_allowed", destination="salesforce")
        fresh = await self.plan_schema(plan.needs)
        if fresh.satisfied:
            return fresh
        await self._deploy(self.metadata_package(fresh))
        await self._assign_permission_set()
        return await self.plan_schema(plan.needs)

    async def _deploy(self, archive: bytes) -> None:
        files = {
            "json": (
                None,
                '{"deployOptions": {"singlePackage": true, "rollbackOnError": true}}',
                "application/json",
            ),
            "file": ("clinicferry.zip", archive, "application/zip"),
        }
        response = await self.client.request(
            "POST", "metadata/deployRequest", files=files, idempotent=False, expect=(201,)
        )
        deploy_id = response.json()["id"]
        deadline = time.monotonic() + self.settings.job_timeout_seconds
        while True:
            status = await self.client.request(
                "GET", f"metadata/deployRequest/{deploy_id}", params={"includeDetails": "true"}
            )
            result = status.json()["deployResult"]
            if result.get("done"):
                break
            if time.monotonic() > deadline:
                raise TransientError("deploy_timeout", destination="salesforce")
            await asyncio.sleep(self.settings.poll_initial_seconds)
        if not result.get("success"):
            raise TerminalError(
                "deploy_failed", destination="salesforce", service_code=str(result.get("status"))
            )

    async def _assign_permission_set(self) -> None:
        user_id = (await self.client.token()).user_id
        name = soql.literal(self.settings.permission_set_name)
        found = await query_all(self.client, soql.select("PermissionSet", ["Id"], f"Name = {name}"))
        if not found:
            raise TerminalError("permission_set_missing", destination="salesforce")
        where = (
            f"AssigneeId = {soql.literal(user_id)} AND "
            f"PermissionSetId = {soql.literal(found[0]['Id'])}"
        )
        if await query_all(self.client, soql.select("PermissionSetAssignment", ["Id"], where)):
            return
        await self.client.request(
            "POST",
            "sobjects/PermissionSetAssignment",
            idempotent=False,
            expect=(201,),
            json={"AssigneeId": user_id, "PermissionSetId": found[0]["Id"]},
        )

    async def ensure_ready(self, needs: SchemaNeeds) -> SchemaPlan:
        """The plan when satisfied; SchemaNotReady naming what is missing otherwise."""
        plan = await self.plan_schema(needs)
        if not plan.satisfied:
            raise SchemaNotReady(plan)
        return plan

    # --- owners and writes -----------------------------------------------------------------
    async def resolve_users(self, emails: Sequence[str], fallback_email: str) -> OwnerReport:
        """Match source staff e-mails to active Users; the rest go to the fallback owner."""
        return await resolve_owners(self.client, emails, fallback_email)

    async def _writer(self, table: str) -> TableWriter:
        body = await self._describe(table)
        if body is None:
            raise TerminalError("table_not_found", destination="salesforce", table=table)
        fields = {f["name"]: f for f in body["fields"]}
        key = fields.get(self.key_column, {})
        return TableWriter(
            self.client,
            self.bulk,
            table,
            self.key_column,
            audit_fields_allowed=await self._audit_fields(table),
            key_unique=bool(key.get("externalId") and key.get("unique")),
        )

    async def _audit_fields(self, table: str) -> bool:
        """Whether CreatedDate may be set on insert (org setting + Set Audit Fields)."""
        fields = (await self._describe(table) or {}).get("fields", [])
        return any(f["name"] == "CreatedDate" and f.get("createable") for f in fields)

    async def capture(self, table: str, records: Sequence[Payload]) -> Capture:
        """Write-ahead: which keys exist and their before-images (one SOQL read per 300 keys)."""
        existing, images = await (await self._writer(table)).capture(records)
        return Capture(table=table, existing=existing, before_images=images)

    async def write(
        self, table: str, records: Sequence[Payload], options: WriteOptions | None = None
    ) -> WriteResult:
        """Insert-or-upsert by the Source_Id__c external id, through Bulk API 2.0."""
        writer = await self._writer(table)
        try:
            result = await writer.write(records, options or WriteOptions())
        except (TerminalError, TransientError) as exc:
            raise exc.with_context(table=table, run_id=(options or WriteOptions()).run_id) from None
        self.audit_fields_dropped += writer.audit_fields_dropped
        return result

    async def attach_files(
        self, table: str, written: WriteResult, files: Sequence[AttachedFile]
    ) -> WriteResult:
        """Each file as a ContentVersion published to its written record (once per name)."""
        keep = await self._audit_fields("ContentVersion")
        try:
            return await attachments.attach_files(
                self.client, written, files, keep_created_date=keep
            )
        except (TerminalError, TransientError) as exc:
            raise exc.with_context(table=table) from None

    async def upload_file(
        self,
        record_id: str,
        file_name: str,
        data: bytes,
        *,
        title: str | None = None,
        created_date: datetime | None = None,
    ) -> UploadedFile:
        """A file as a ContentVersion linked to `record_id` (multipart above 37.5 MB base64)."""
        return await upload_file(
            self.client, record_id, file_name, data, title=title, created_date=created_date
        )

    # --- reads for diff and reconciliation -------------------------------------------------
    async def read_back(
        self, table: str, keys: Sequence[str], columns: Sequence[str]
    ) -> dict[str, dict[str, Any]]:
        """Current values by source key; relationship columns come back as the parent's key."""
        plain = [c for c in columns if not is_relationship(c)]
        relations = [c for c in columns if is_relationship(c)]
        fields = ["Id", self.key_column, *plain, *(lookup_field(c) for c in relations)]
        rows = await records_by_key(self.client, table, self.key_column, keys, fields[2:])
        for column in relations:
            await self._parent_keys(table, column, rows)
        return {key: {c: row.get(c) for c in columns} for key, row in rows.items()}

    async def records_of_run(
        self, table: str, run_id: str, columns: Sequence[str] = ()
    ) -> dict[str, dict[str, Any]]:
        """Every record stamped with this run id, by source key, with `id` and its timestamps.

        Rollback finds what a run touched through this, even when a ledger row was lost;
        reconciliation reads the run's values from it. Relationship columns come back as the
        parent's key, as in `read_back`.
        """
        plain = [c for c in columns if not is_relationship(c)]
        relations = [c for c in columns if is_relationship(c)]
        fields = ["Id", self.key_column, self.created_column, self.modified_column, *plain,
                  *(lookup_field(c) for c in relations)]  # fmt: skip
        where = f"{soql.name(self.run_column)} = {soql.literal(run_id)}"
        rows = {
            str(row[self.key_column]): {**row, "id": str(row["Id"])}
            for row in await query_all(self.client, soql.select(table, fields, where))
            if row.get(self.key_column)
        }
        for column in relations:
            await self._parent_keys(table, column, rows)
        return rows

    @staticmethod
    def bind_by(value: Any) -> str | None:
        """Relationship columns name the parent's field themselves: never another key column."""
        return None

    @staticmethod
    def bind_target(value: Any) -> str | None:
        """The parent's key a relationship column was sent with (it is the value itself)."""
        return None if value in (None, "") else str(value)

    async def bound_keys(
        self,
        table: str,
        keys: Sequence[str],
        binds: Sequence[str],
        by: Mapping[str, str] | None = None,
    ) -> dict[str, dict[str, str | None]]:
        """Per source key, the parent key each relationship column points at.

        A relationship column names the parent's field itself, so `by` is not needed.
        """
        rows = await self.read_back(table, keys, binds)
        return {
            key: {b: None if row.get(b) in (None, "") else str(row[b]) for b in binds}
            for key, row in rows.items()
        }

    async def _parent_keys(self, table: str, column: str, rows: dict[str, dict[str, Any]]) -> None:
        id_field = lookup_field(column)
        parent_field = column.split(".", 1)[1]
        describe = await self._describe(table) or {}
        targets = next(
            (
                f.get("referenceTo") or []
                for f in describe.get("fields", [])
                if f["name"] == id_field
            ),
            [],
        )
        ids = sorted({str(r[id_field]) for r in rows.values() if r.get(id_field)})
        parents: dict[str, Any] = {}
        for target in targets:
            for part in soql.chunks(ids):
                text = soql.select(target, ["Id", parent_field], f"Id IN {soql.in_list(part)}")
                for record in await query_all(self.client, text):
                    parents[str(record["Id"])] = record.get(parent_field)
        for row in rows.values():
            row[column] = parents.get(str(row.get(id_field))) if row.get(id_field) else None

    async def inactive_state(self, table: str) -> dict[str, Any] | None:
        """What a source deletion sets: appointments are cancelled; Contact, Account and the
        other objects have no inactive state in Sales Cloud, so their deletions are reported."""
        return dict(INACTIVE_STATES[table]) if table in INACTIVE_STATES else None

    async def count(self, table: str, run_id: str) -> int:
        """How many records of `table` carry this run id."""
        where = f"{soql.name(self.run_column)} = {soql.literal(run_id)}"
        text = f"SELECT COUNT() FROM {soql.name(table)} WHERE {where}"  # noqa: S608 - SOQL
        response = await self.client.request("GET", "query", params={"q": text})
        return int(response.json()["totalSize"])

    async def sum(self, table: str, column: str, run_id: str) -> Decimal:
        """Total of a numeric column over the records that carry this run id."""
        where = f"{soql.name(self.run_column)} = {soql.literal(run_id)}"
        text = f"SELECT SUM({soql.name(column)}) total FROM {soql.name(table)} WHERE {where}"  # noqa: S608
        records = await query_all(self.client, text)
        total = records[0].get("total") if records else None
        return Decimal(str(total)) if total is not None else Decimal(0)

    # --- rollback --------------------------------------------------------------------------
    async def delete(self, table: str, ids: Sequence[str]) -> list[RecordResult]:
        """Delete by id (to the Recycle Bin) with a Bulk delete job; missing ones count."""
        if not ids:
            return []
        # Files first published to these records were uploaded with them: they go first (a
        # deleted record keeps no link, so its files would stay behind unreachable).
        await attachments.delete_files_of(self.client, ids)
        outcome = await self.bulk.run(
            table, "delete", "Id\n" + "".join(f"{i}\n" for i in ids), table_context=table
        )
        results: dict[str, RecordResult] = {}
        for row in outcome.successful:
            results[row["Id"]] = RecordResult(key=row["Id"], status="deleted", id=row["Id"])
        for row in outcome.failed:
            code = row.get("sf__Error", "").split(":", 1)[0]
            status = "deleted" if code in _ALREADY_GONE else "rejected"
            results[row["Id"]] = RecordResult(
                key=row["Id"],
                status=status,
                id=row["Id"],
                reason_code=None if status == "deleted" else reason_for(code),
                service_code=code,
            )
        for row in outcome.unprocessed:
            results[row["Id"]] = RecordResult(
                key=row["Id"], status="rejected", id=row["Id"], reason_code="not_processed"
            )
        return [
            results.get(i)
            or RecordResult(key=i, status="rejected", id=i, reason_code="not_processed")
            for i in ids
        ]

    async def restore(self, table: str, before_images: Sequence[BeforeImage]) -> list[RecordResult]:
        """Put before-images back with a Bulk update job by id (None -> #N/A, set null)."""
        if not before_images:
            return []
        rows = [{"Id": image.id, **image.values} for image in before_images]
        outcome = await self.bulk.run(
            table, "update", to_csv(rows, updates=True), table_context=table
        )
        by_id = {image.id: image.key for image in before_images}
        results = {
            row["Id"]: RecordResult(key=by_id.get(row["Id"], ""), status="restored", id=row["Id"])
            for row in outcome.successful
        }
        for row in [*outcome.failed, *outcome.unprocessed]:
            code = row.get("sf__Error", "not_processed").split(":", 1)[0]
            results[row["Id"]] = RecordResult(
                key=by_id.get(row["Id"], ""),
                status="rejected",
                id=row["Id"],
                reason_code=reason_for(code),
                service_code=code,
            )
        return [results[image.id] for image in before_images if image.id in results]


def create_destination(
    settings: SalesforceSettings | None = None, **values: Any
) -> SalesforceDestination:
    """The registry's factory: settings given, from keyword values, or from the environment."""
    return SalesforceDestination(settings or SalesforceSettings(**values))
