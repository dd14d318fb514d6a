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
    "sample_loaded": frozenset({"rolling_back", "completed"}),
    "completed": frozenset({"rolling_back", "delta_open", "loading"}),
    "delta_open": frozenset({"loading", "completed", "rolling_back", "failed"}),
    "failed": frozenset({"rolling_back", "loading", "cancelled"}),
    "cancelled": frozenset({"rolling_back"}),
    "rolling_back": frozenset({"rolled_back", "failed"}),
    "rolled_back": frozenset({"profiling"}),
}


class InvalidTransition(RuntimeError):
    """A run was asked to move to a state it cannot reach from where it is."""


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
    created_at: datetime
    updated_at: datetime


def _to_entity(run: RunRecord) -> dict[str, Any]:
    entity = run.model_dump(mode="json", exclude={"counters"})
    entity["counters"] = json.dumps(run.counters, sort_keys=True)
    entity.update(PartitionKey=RUN_PARTITION, RowKey=run.run_id)
    return {k: v for k, v in entity.items() if v is not None}


def _from_entity(entity: dict[str, Any]) -> RunRecord:
    fields = {k: v for k, v in entity.items() if k not in ("PartitionKey", "RowKey")}
    fields["counters"] = json.loads(fields.get("counters") or "{}")
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
