"""Messages between orchestrators and activities: blob names, counts and hashes, never records.

Every model here round-trips through JSON unchanged (`model_dump(mode="json")` then
`model_validate`), which is what the Durable host does to every activity input and output.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

DestinationKind = Literal["dataverse", "salesforce"]
RunMode = Literal["sample", "full", "delta", "fixback"]
OnSourceDelete = Literal["deactivate", "report"]

_SAFE_PREFIX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,200}$")


class Message(BaseModel):
    """Base: unknown fields are errors, so a typo in a portal request is reported, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ExportLocation(Message):
    """Where the export sits: a folder in the app's own staging container, nothing else."""

    container: Literal["staging"] = "staging"
    prefix: str = Field(
        description="folder of the export inside the container, e.g. exports/aerona-2026-11"
    )

    @field_validator("prefix")
    @classmethod
    def _no_traversal(cls, value: str) -> str:
        if not _SAFE_PREFIX.match(value) or ".." in value.split("/"):
            raise ValueError("must be a relative folder name of letters, digits, . _ - and /")
        return value.rstrip("/")


class DestinationRef(Message):
    """Which destination environment a run writes to (its credentials come from settings)."""

    kind: DestinationKind = "dataverse"
    environment: str = Field(default="default", pattern=r"^[A-Za-z0-9_-]{1,64}$")


class RunOptions(Message):
    """What the operator chose for this run."""

    sample_size: int = Field(default=200, ge=1, le=5000)
    sample_seed: int = 7
    apply_schema: bool = False
    auto_confirm: bool = False
    confirm_deadline_hours: int = Field(default=72, ge=1, le=144)
    page_size: int = Field(default=1000, ge=10, le=5000)
    parallel_batches: int = Field(default=4, ge=1, le=32)
    batches_per_execution: int = Field(default=100, ge=1, le=200)
    max_batch_attempts: int = Field(default=6, ge=1, le=20)
    # After a full run, changes made in the old system during cutover are picked up for this
    # long (0: no window), a pass every `delta_cadence_minutes` from a new export drop.
    delta_window_hours: int = Field(default=48, ge=0, le=168)
    delta_cadence_minutes: int = Field(default=15, ge=5, le=1440)
    # What a record deleted in the source becomes in the destination: deactivated (default) or
    # only reported; never hard-deleted.
    on_source_delete: OnSourceDelete = "deactivate"


class StartRun(Message):
    """The orchestration input for one migration run."""

    run_id: str = Field(pattern=r"^[A-Za-z0-9-]{1,64}$")
    source_system: Literal["aerona", "drdentes", "core_practice", "generic_csv"]
    export: ExportLocation
    destination: DestinationRef = DestinationRef()
    mode: RunMode = "full"
    options: RunOptions = RunOptions()
    started_by: str = Field(min_length=1, max_length=256)


class ObjectCounts(Message):
    """Rows of one object kind after reading and profiling; they always balance."""

    read: int = 0
    accepted: int = 0
    quarantined: int = 0
    merged: int = 0
    staged: int = 0  # accepted rows staged for loading (fewer than accepted in sample mode)
    pages: int = 0


class ExtractResult(Message):
    """What extraction staged: per object kind, counts and the number of pages."""

    objects: dict[str, ObjectCounts]
    quality_report_blob: str


class ProposalResult(Message):
    """The proposed map, stored for review."""

    proposal_blob: str
    proposal_markdown_blob: str
    proposal_hash: str
    fields_to_review: int = 0


class MapConfirmation(Message):
    """The `MapConfirmed` event: the confirmed map (by hash) the run must use, and who confirmed."""

    confirmation_id: str
    confirmed_map_blob: str
    confirmed_map_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    confirmed_by: str


class GateResult(Message):
    """A gate before loading (schema, owners): passed or not, what is missing, the report's blob."""

    passed: bool
    missing: list[str] = Field(default_factory=list)
    report_blob: str
    warnings: list[str] = Field(default_factory=list)


class TablePlan(Message):
    """One map entry's share of the run (`table` is the entry name); pages by `page_blob_name`."""

    table: str
    destination_table: str = ""
    operation: Literal["upsert", "export", "deactivate"] = "upsert"
    object_kind: str
    records: int
    pages: int
    requests: int

    @property
    def totals_key(self) -> str:
        """Load totals are kept per entry; an entry's deactivations count apart from its loads
        (also an instance id part: no '#', '/' or '?')."""
        return f"{self.table}--deactivate" if self.operation == "deactivate" else self.table


class LoadPlan(Message):
    """Tables by dependency level (a level loads in parallel), with the run's time estimate."""

    levels: list[list[TablePlan]]
    estimated_seconds: float
    entitlement_share: float
    report_blob: str
    warnings: list[str] = Field(default_factory=list)


class LoadTableJob(Message):
    """Input of `load_table`; `next_page` and `totals` carry over continue-as-new."""

    run_id: str
    destination: DestinationRef
    export_prefix: str
    confirmed_map_hash: str
    operator: str
    mode: RunMode
    plan: TablePlan
    options: RunOptions
    pass_id: str = ""  # a later pass of the run (delta-001, fixback-001); "" is the run itself
    page_scope: str = ""  # where that pass staged its pages ("" is the run's own pages)
    next_page: int = 0
    totals: dict[str, int] = Field(default_factory=dict)


class LoadBatch(Message):
    """Input of one `load_batch` activity: one staged page into one table."""

    run_id: str
    destination: DestinationRef
    export_prefix: str
    confirmed_map_hash: str
    operator: str
    mode: RunMode
    table: str
    operation: Literal["upsert", "export", "deactivate"] = "upsert"
    object_kind: str
    page: int
    attempt: int = 1
    pass_id: str = ""
    page_scope: str = ""

    @property
    def batch_id(self) -> str:
        """Stable across attempts, so a replayed batch overwrites its own audit rows."""
        batch = f"{self.table}.{self.page:05d}"
        if self.operation == "deactivate":
            batch = f"{self.table}.deactivate.{self.page:05d}"
        return f"{self.pass_id}.{batch}" if self.pass_id else batch

    @property
    def audit_pass(self) -> str:
        """The ledger's pass of this batch's rows (a run's own rows are its mode's)."""
        return self.pass_id or self.mode

    @property
    def pages_of(self) -> str:
        """The scope whose staged pages this batch reads (deactivations: the deleted ids)."""
        scope = self.page_scope or self.run_id
        return deleted_scope(scope) if self.operation == "deactivate" else scope


class BatchResult(Message):
    """What one batch did: counts per operation, or how long to wait before trying again."""

    batch_id: str
    counts: dict[str, int] = Field(default_factory=dict)
    retry_after_seconds: float | None = None
    error_code: str | None = None


class ReconcileResult(Message):
    """Source vs destination: whether the run balances, and the report's blob."""

    reconciled: bool
    gaps: int
    report_blob: str
    reasons: list[str] = Field(default_factory=list)


PassKind = Literal["delta", "fixback"]
PASS_ID = r"^(delta|fixback)-[0-9]{3}$"  # noqa: S105 - a pattern of pass names


class PassJob(Message):
    """Input of `load_pass`: a later pass of a finished run (delta pickup or fix-back)."""

    run_id: str = Field(pattern=r"^[A-Za-z0-9-]{1,64}$")
    pass_id: str = Field(pattern=PASS_ID)
    kind: PassKind
    operator: str = Field(min_length=1, max_length=256)
    closing: bool = False  # the delta window's last pass: ends with the final reconciliation

    @property
    def page_scope(self) -> str:
        return pass_scope(self.run_id, self.pass_id)


def deleted_scope(page_scope: str) -> str:
    """Where a delta pass stages the source ids deleted in the source, as pages per kind."""
    return f"{page_scope}/deleted"


def pass_scope(run_id: str, pass_id: str) -> str:
    """Staging folder of one pass's pages and lists (inside the run's own folder)."""
    return f"{run_id}/passes/{pass_id}"


class PassChanges(Message):
    """Per object kind, what a pass found: new, changed, deleted (delta) or gaps (fix-back)."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    deleted: int = 0
    quarantined: int = 0
    gaps: int = 0


class PassSelection(Message):
    """What a pass selected and staged (as an ExtractResult the planner reads), or why none."""

    pass_id: str
    extract: ExtractResult
    changes: dict[str, PassChanges] = Field(default_factory=dict)
    deleted_pages: dict[str, int] = Field(default_factory=dict)  # deletions to act on, per kind
    skipped_reason: str | None = None  # e.g. no new export drop since the last pass
    drop_fingerprint: str | None = None
    report_blob: str = ""
