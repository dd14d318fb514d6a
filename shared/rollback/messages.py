"""What the rollback orchestration passes between its activities: names and counts, no records."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.pipeline.messages import DestinationRef
from shared.rollback.models import ConflictChoice
from shared.rollback.order import RollbackUnit


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RollbackRequest(_Message):
    """POST /api/migrations/{id}/rollback, or `python -m cli rollback RUN`."""

    run_id: str
    operator: str
    destination: DestinationRef = DestinationRef()
    on_conflict: ConflictChoice = "list"
    choices: dict[str, ConflictChoice] = Field(default_factory=dict, max_length=5000)


class RollbackStart(_Message):
    """The tables to revert, children first, and when the run began."""

    units: list[RollbackUnit]
    started_at: datetime | None = None


class UnitResult(_Message):
    """One table's outcome; conflicts and failures by key are in `outcome_blob`."""

    table: str
    deleted: int = 0
    restored: int = 0
    already_done: int = 0
    skipped: int = 0
    untracked: int = 0
    failed: int = 0
    conflicts: int = 0
    outcome_blob: str = ""


class RollbackSummary(_Message):
    """The rollback's end: state, per-table counts, the proof figures and the report."""

    run_id: str
    state: Literal["rolled_back", "conflicts", "incomplete"]
    tables: list[UnitResult]
    stamped_left: dict[str, int]
    left_to_do: dict[str, int]
    report_blob: str
    reason: str | None = None
