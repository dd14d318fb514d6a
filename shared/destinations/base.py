"""The destination Protocol every CRM package implements, and the values that cross it.

The engine talks to `Destination` only, reads `Capabilities` to size batches and choose paths,
and never branches on a destination's name. All methods are async; `run_sync` lets a Durable
activity (plain sync code) call them.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import json
from collections import Counter
from collections.abc import Coroutine, Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from shared.destinations.schema import DestinationSchema, SchemaNeeds, SchemaPlan
from shared.quality.formulas import neutralising_writer

RecordStatus = Literal["created", "updated", "unchanged", "rejected", "deleted", "restored"]
OwnerStatus = Literal["matched", "disabled", "unmatched"]
Payload = Mapping[str, Any]
T = TypeVar("T")


class Capabilities(BaseModel):
    """What a destination can do and its limits; frozen, read by the engine to plan work."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    max_batch_size: int
    bulk_upsert: bool
    audit_fields: bool
    max_file_bytes: int | None = None
    chunked_file_upload: bool = False
    max_custom_tables: int | None = None
    max_keys_per_table: int | None = None
    requests_per_window: int | None = None
    window_seconds: int | None = None
    users: int = 1


class WriteOptions(BaseModel):
    """Per-call switches the operator controls (all off by default)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    run_id: str | None = None
    batch_id: str | None = None
    # Create without reading first (the destination falls back to the checked path on conflict):
    # saves the existence reads when the table is known to be new to this migration.
    first_load: bool = False
    # Merge columns onto records another entry created; a record that is missing is rejected
    # (`record_missing`), never created (the compiled table's `update_only`).
    update_only: bool = False
    bypass_business_logic: bool = False
    suppress_flows: bool = False
    duplicate_detection: bool = False


class RecordResult(BaseModel):
    """What happened to one record; `reason_code` / `service_code` only when rejected."""

    key: str
    status: RecordStatus
    id: str | None = None
    reason_code: str | None = None
    status_code: int | None = None
    service_code: str | None = None


class BeforeImage(BaseModel):
    """A record's values, before this run changed them, for the columns it is about to write."""

    key: str
    id: str
    values: dict[str, Any]


class Capture(BaseModel):
    """Taken before a write: which keys already exist and their before-images (write-ahead)."""

    table: str
    existing: list[str] = Field(default_factory=list)
    before_images: list[BeforeImage] = Field(default_factory=list)


class AttachedFile(BaseModel):
    """A file that belongs to one written record (a document's bytes), sent after the write."""

    key: str
    file_name: str
    data: bytes
    created_date: str | None = None


class WriteResult(BaseModel):
    """Per-record results of one `write` call plus before-images of the records it updated."""

    table: str
    batch_id: str | None = None
    results: list[RecordResult] = Field(default_factory=list)
    before_images: list[BeforeImage] = Field(default_factory=list)
    requests: int = 0
    throttled: int = 0

    def counts(self) -> dict[str, int]:
        """Number of records per status, e.g. {"created": 98, "rejected": 2}."""
        return dict(Counter(result.status for result in self.results))


class OwnerMatch(BaseModel):
    """One source e-mail and the destination user that will own its records."""

    email: str
    status: OwnerStatus
    user_id: str | None = None
    owner_id: str


class OwnerReport(BaseModel):
    """Owner resolution, produced and reviewed before any load."""

    fallback_owner_email: str
    fallback_owner_id: str
    matches: list[OwnerMatch]

    def owner_for(self, email: str | None) -> str:
        """The owner id for a source e-mail (the fallback when unknown or blank)."""
        wanted = (email or "").strip().lower()
        match = next((m for m in self.matches if m.email == wanted), None)
        return match.owner_id if match else self.fallback_owner_id

    def summary(self) -> dict[str, int]:
        """Count per status."""
        return dict(Counter(m.status for m in self.matches))

    def to_json(self) -> str:
        """The report as indented JSON, with a per-status summary."""
        return json.dumps({"summary": self.summary(), **self.model_dump()}, indent=2) + "\n"

    def to_csv(self) -> str:
        """One row per source e-mail: email, status, user_id, owner_id (formulas neutralised)."""
        out = io.StringIO()
        writer = neutralising_writer(out, lineterminator="\n")
        writer.writerow(["email", "status", "user_id", "owner_id"])
        for m in self.matches:
            writer.writerow([m.email, m.status, m.user_id or "", m.owner_id])
        return out.getvalue()


@runtime_checkable
class Destination(Protocol):
    """One CRM environment, reached over its documented API."""

    capabilities: Capabilities
    created_column: str  # the record's created / last-modified timestamps (rollback conflicts)
    modified_column: str

    async def describe(self, tables: Sequence[str] | None = None) -> DestinationSchema:
        """Tables, columns, keys and option sets (all custom + the named tables)."""
        ...

    async def plan_schema(self, needs: SchemaNeeds) -> SchemaPlan:
        """Diff what the map needs against live metadata."""
        ...

    async def apply_schema(self, plan: SchemaPlan) -> SchemaPlan:
        """Create what the plan lists (idempotent) and return the plan re-computed afterwards."""
        ...

    async def resolve_users(self, emails: Sequence[str], fallback_email: str) -> OwnerReport:
        """Match source staff e-mails to active destination users."""
        ...

    async def write(
        self, table: str, records: Sequence[Payload], options: WriteOptions | None = None
    ) -> WriteResult:
        """Upsert records by their source key, in bulk; one bad record never fails the call."""
        ...

    async def read_back(
        self, table: str, keys: Sequence[str], columns: Sequence[str]
    ) -> dict[str, dict[str, Any]]:
        """Current values of `columns` for the records with these source keys."""
        ...

    async def records_of_run(
        self, table: str, run_id: str, columns: Sequence[str] = ()
    ) -> dict[str, dict[str, Any]]:
        """Every record stamped with this run id, by source key, with `id`, its timestamps and
        `columns` (lookups come back as what `bind_target` gives for the value sent)."""
        ...

    async def bound_keys(
        self,
        table: str,
        keys: Sequence[str],
        binds: Sequence[str],
        by: Mapping[str, str] | None = None,
    ) -> dict[str, dict[str, str | None]]:
        """Per source key, the key of the record each lookup column points at."""
        ...

    def bind_by(self, value: Any) -> str | None:
        """The key column a lookup value names its target by, when not the source key."""
        ...

    def bind_target(self, value: Any) -> str | None:
        """The key a lookup value sent by `write` points at."""
        ...

    async def count(self, table: str, run_id: str) -> int:
        """How many records of `table` carry this run id."""
        ...

    async def sum(self, table: str, column: str, run_id: str) -> Decimal:
        """Total of a numeric column over the records that carry this run id."""
        ...

    async def delete(self, table: str, ids: Sequence[str]) -> list[RecordResult]:
        """Delete records by destination id (missing ones count as deleted)."""
        ...

    async def restore(self, table: str, before_images: Sequence[BeforeImage]) -> list[RecordResult]:
        """Put before-images back."""
        ...

    async def inactive_state(self, table: str) -> dict[str, Any] | None:
        """Columns that deactivate a record of `table` (a source deletion), or None if none do."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


@runtime_checkable
class FileAttacher(Protocol):
    """A destination that stores files beside records (Salesforce Files), not in a column.

    Destinations without it take a document's bytes inline in the record's payload (Dataverse
    `annotation.documentbody`).
    """

    async def attach_files(
        self, table: str, written: WriteResult, files: Sequence[AttachedFile]
    ) -> WriteResult:
        """Links each file to its written record (idempotent); a file refused rejects its record."""
        ...


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine from sync code, also when the caller already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
