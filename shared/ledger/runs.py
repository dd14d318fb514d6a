"""The `runs` table: one row per migration run with its state, map hash, counters and timestamps.

Run states and the transitions allowed between them live here, in one place; a transition that is
not allowed raises instead of silently rewriting history.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

from azure.core import MatchConditions
from azure.core.exceptions import ResourceExistsError, ResourceModifiedError, ResourceNotFoundError
from azure.data.tables import TableClient, TableServiceClient, UpdateMode
from pydantic import BaseModel, Field

RUNS_TABLE = "runs"
RUN_PARTITION = "run"
# The shape `StartRun.run_id` allows; an id of any other shape cannot name a run (route input).
RUN_ID = re.compile(r"[A-Za-z0-9-]{1,64}")

RunState = Literal[
    "created",
    "profiling",
    "awaiting_confirmation",
    "preparing",
    "loading",
    "reconciling",
    "sample_loaded",
    "completed",
    "delta_open",
    "failed",
    "cancelled",
    "rolling_back",
    "rolled_back",
]
Mode = Literal["sample", "full", "delta", "fixback", "rollback"]

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    "created": frozenset({"profiling", "failed", "cancelled"}),
    "profiling": frozenset({"awaiting_confirmation", "failed", "cancelled"}),
    "awaiting_confirmation": frozenset({"preparing", "failed", "cancelled"}),
    "preparing": frozenset({"loading", "failed", "cancelled"}),
    "loading": frozenset({"reconciling", "failed", "cancelled"}),
    "reconciling": frozenset({"completed", "sample_loaded", "delta_open", "failed"}),
    # A later pass (delta, fix-back) loads under the same run: back to `loading` and through.
    "sample_loaded": frozenset({"rolling_back", "completed"}),
    "completed": frozenset({"rolling_back", "delta_open", "loading"}),
    "delta_open": frozenset({"loading", "reconciling", "completed", "rolling_back", "failed"}),
    "failed": frozenset({"rolling_back", "loading", "cancelled"}),
    "cancelled": frozenset({"rolling_back"}),
    "rolling_back": frozenset({"rolled_back", "failed"}),
    "rolled_back": frozenset({"profiling"}),
}


class InvalidTransition(RuntimeError):
    """A run was asked to move to a state it cannot reach from where it is."""


class PassRecord(BaseModel):
    """One finished later pass of a run (delta or fix-back): what it found and wrote."""

    pass_id: str
    state: Literal["completed", "skipped", "failed"]
    finished_at: datetime
    reason: str | None = None
    found: dict[str, int] = Field(default_factory=dict)  # new / changed / deleted / gaps
    written: dict[str, int] = Field(default_factory=dict)  # created / updated / ... from ledger


class DeltaWindow(BaseModel):
    """The cutover window after a full run: when passes are due, and what the last one saw."""

    opened_at: datetime
    ends_at: datetime
    cadence_minutes: int = 15
    next_due_at: datetime
    drop_prefix: str  # the staging folder the clinic's new export drops arrive in
    on_source_delete: Literal["deactivate", "report"] = "deactivate"
    baseline_pass: str = "full"  # noqa: S105 - the hash snapshot the next pass compares with
    last_fingerprint: str | None = None
    closed_at: datetime | None = None
    close_requested: bool = False

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def due(self, now: datetime) -> bool:
        """A pass is due at its cadence, and once more at (or after) the window's end."""
        return self.is_open and (now >= self.next_due_at or now >= self.ends_at)


class RunRecord(BaseModel):
    """A run as stored: identity, what it moves where, its state and its counters."""

    run_id: str
    source_system: str
    destination_kind: str
    environment: str
    mode: Mode
    state: RunState = "created"
    started_by: str
    confirmed_map_hash: str | None = None
    reason: str | None = None
    counters: dict[str, int] = Field(default_factory=dict)
    signed_off_by: str | None = None  # the reviewer who accepted the sample's field-level diff
    signed_off_at: datetime | None = None
    delta_window: DeltaWindow | None = None
    passes: list[PassRecord] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime


_JSON_COLUMNS = ("counters", "delta_window", "passes")  # Table Storage has no nested values


def _to_entity(run: RunRecord) -> dict[str, Any]:
    entity = run.model_dump(mode="json", exclude=set(_JSON_COLUMNS))
    for column in _JSON_COLUMNS:
        entity[column] = json.dumps(run.model_dump(mode="json")[column], sort_keys=True)
    entity.update(PartitionKey=RUN_PARTITION, RowKey=run.run_id)
    return {k: v for k, v in entity.items() if v is not None}


def _from_entity(entity: dict[str, Any]) -> RunRecord:
    fields = {k: v for k, v in entity.items() if k not in ("PartitionKey", "RowKey")}
    for column, empty in zip(_JSON_COLUMNS, ("{}", "null", "[]"), strict=True):
        fields[column] = json.loads(fields.get(column) or empty)
    return RunRecord.model_validate(fields)


class RunStore:
    """Creates, reads and moves runs; updates are optimistic (ETag) so two writers never clash."""

    def __init__(self, service: TableServiceClient) -> None:
        self._table: TableClient = service.create_table_if_not_exists(RUNS_TABLE)

    def create(self, run: RunRecord) -> RunRecord:
        """Stores a new run; creating the same run id twice is a no-op returning the stored run."""
        try:
            self._table.create_entity(_to_entity(run))
        except ResourceExistsError:
            return self.get(run.run_id)
        return run

    def get(self, run_id: str) -> RunRecord:
        """The run, or KeyError naming the run id (also for ids no run can have)."""
        if not RUN_ID.fullmatch(run_id):
            raise KeyError("no run has an id of that shape")
        try:
            return _from_entity(dict(self._table.get_entity(RUN_PARTITION, run_id)))
        except ResourceNotFoundError:
            raise KeyError(f"run {run_id} does not exist") from None

    def transition(
        self, run_id: str, to: RunState, *, reason: str | None = None, **updates: Any
    ) -> RunRecord:
        """Moves a run to `to` (repeating the current state is allowed: activities may replay)."""

        def move(run: RunRecord) -> dict[str, Any]:
            if to != run.state and to not in ALLOWED_TRANSITIONS[run.state]:
                raise InvalidTransition(f"run {run_id}: {run.state} -> {to} is not allowed")
            return {"state": to, "reason": reason, **updates}

        return self._update(run_id, move)

    def set_counters(self, run_id: str, counters: dict[str, int]) -> RunRecord:
        """Replaces the counters with values derived from the ledger (idempotent on replay)."""
        return self._update(run_id, lambda _: {"counters": dict(counters)})

    def set_window(self, run_id: str, window: DeltaWindow | None) -> RunRecord:
        """Stores the run's delta window as it now is (opened, moved on, closed)."""
        return self._update(run_id, lambda _: {"delta_window": window})

    def record_pass(self, run_id: str, record: PassRecord,
                    window: DeltaWindow | None = None) -> RunRecord:  # fmt: skip
        """Adds (or replaces, on replay) a finished pass, and moves the window with it."""

        def change(run: RunRecord) -> dict[str, Any]:
            passes = [p for p in run.passes if p.pass_id != record.pass_id] + [record]
            update: dict[str, Any] = {"passes": passes}
            if window is not None:
                update["delta_window"] = window
            return update

        return self._update(run_id, change)

    def _update(self, run_id: str, change: Callable[[RunRecord], dict[str, Any]]) -> RunRecord:
        """Read, change, write back if nobody wrote in between (ETag); retried on conflict."""
        for _ in range(5):
            entity = self._table.get_entity(RUN_PARTITION, run_id)
            run = _from_entity(dict(entity))
            changed = run.model_copy(update={**change(run), "updated_at": datetime.now(UTC)})
            try:
                self._table.update_entity(
                    _to_entity(changed),
                    mode=UpdateMode.REPLACE,
                    etag=entity.metadata["etag"],
                    match_condition=MatchConditions.IfNotModified,
                )
                return changed
            except ResourceModifiedError:
                continue
        raise RuntimeError(f"run {run_id}: update kept conflicting")

    def delete(self, run_id: str) -> None:
        """Removes the run's row (purge); deleting a run that does not exist is a no-op."""
        self._table.delete_entity(RUN_PARTITION, run_id)

    def list(self, state: RunState | None = None) -> list[RunRecord]:
        """All runs, optionally only those in one state."""
        query = f"PartitionKey eq '{RUN_PARTITION}'"
        if state:
            query += f" and state eq '{state}'"
        return [_from_entity(dict(e)) for e in self._table.query_entities(query)]
