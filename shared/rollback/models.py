"""Values of a rollback: what to delete or restore per table, conflicts, and per-table outcomes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

ROLLBACK_PASS = "rollback"  # noqa: S105 - a ledger pass name, not a secret
Action = Literal["delete", "restore"]
ConflictChoice = Literal["list", "force", "skip"]
ConflictReason = Literal[
    "modified_after_run",  # someone changed the record after our write
    "untracked_existing",  # stamped with the run, no ledger row, no before-image, older than run
    "deleted_after_run",  # a record we updated is gone: there is nothing to restore onto
    "no_before_image",  # the ledger says updated but its before-image is lost: never delete it
]

CONFLICT_REASONS: dict[str, str] = {
    "modified_after_run": "the record was changed in the destination after the run wrote it",
    "untracked_existing": "the record carries the run id but existed before the run and has no "
    "before-image: deleting it could lose data",
    "deleted_after_run": "the record the run updated has since been deleted in the destination",
    "no_before_image": "the run updated the record but its before-image is missing: it cannot "
    "be restored automatically",
}


class Target(BaseModel):
    """One record the run touched and what undoing it takes."""

    table: str
    key: str
    destination_id: str | None
    action: Action
    before_image: dict[str, Any] | None = None
    written_at: datetime | None = None
    tracked: bool = True  # False: found only through the destination's provenance columns
    entry: str = ""  # the ledger name (map entry) its audit rows live under


class Conflict(BaseModel):
    """A record rollback will not touch without the operator's choice (force or skip)."""

    table: str
    key: str
    destination_id: str | None
    action: Action
    reason: ConflictReason
    entry: str = ""
    modified_on: str | None = None

    @property
    def explanation(self) -> str:
        """The reason as a sentence (no values)."""
        return CONFLICT_REASONS[self.reason]


class TablePlan(BaseModel):
    """What rolling back one table will do now (recomputed on every attempt: resumable)."""

    table: str
    delete: list[Target] = Field(default_factory=list)
    restore: list[Target] = Field(default_factory=list)
    conflicts: list[Conflict] = Field(default_factory=list)
    already_done: int = 0  # records already deleted / back to their before-image
    map_hash: str = ""
    ledger_name: str = ""  # where rows of records no ledger row named are audited


class TableRollback(BaseModel):
    """The outcome of rolling back one table; counts only, plus conflicts and failures by key."""

    table: str
    deleted: int = 0
    restored: int = 0
    already_done: int = 0
    skipped: int = 0
    untracked: int = 0
    failed: list[dict[str, Any]] = Field(default_factory=list)
    conflicts: list[Conflict] = Field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True when nothing is left: no failure and no conflict waiting for a choice."""
        return not self.failed and not self.conflicts
