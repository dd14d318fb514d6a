"""A reconciliation: per-table counts, field totals, gaps by source key, and the verdict."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field


class Gap(BaseModel):
    """A source record that is not (right) in the destination."""

    kind: str
    source_id: str
    key: str
    problem: Literal["missing", "different", "rejected"]
    detail: str = ""


class TableCounts(BaseModel):
    """One destination table: source, ledger and destination figures side by side."""

    table: str
    entries: list[str]
    source_accepted: int = 0
    quarantined: int = 0
    filtered: int = 0
    map_rejected: int = 0
    expected: int = 0
    written: int = 0
    rejected_by_destination: int = 0
    destination_count: int = 0
    from_earlier_runs: int = 0

    @property
    def ok(self) -> bool:
        """Every record the map produced is in the destination."""
        return self.expected == self.destination_count + self.from_earlier_runs


class TotalResult(BaseModel):
    """One declared total, source vs destination."""

    name: str
    label: str
    entry: str
    kind: str
    status: Literal["match", "differ", "not_applicable"]
    source: Any = None
    destination: Any = None


class Reconciliation(BaseModel):
    """The run's reconciliation: reconciled or not, and why."""

    run_id: str
    tables: list[TableCounts] = Field(default_factory=list)
    totals: list[TotalResult] = Field(default_factory=list)
    gaps: list[Gap] = Field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        """Why the run is not reconciled (empty when it is); value-free sentences."""
        reasons = [
            f"{t.table}: {t.expected} records expected, {t.destination_count} stamped with the run"
            + (
                f" and {t.from_earlier_runs} unchanged from earlier runs"
                if t.from_earlier_runs
                else ""
            )
            for t in self.tables
            if not t.ok
        ]
        reasons += [f"total {t.name} differs" for t in self.totals if t.status == "differ"]
        problems: dict[str, int] = {}
        for gap in self.gaps:
            problems[gap.problem] = problems.get(gap.problem, 0) + 1
        reasons += [f"{count} {problem} record(s)" for problem, count in sorted(problems.items())]
        return reasons

    @property
    def reconciled(self) -> bool:
        """True when counts, totals and records all agree."""
        return not self.reasons

    def fixback_keys(self) -> dict[str, list[str]]:
        """Source ids to reload per canonical kind: what is missing or different."""
        keys: dict[str, set[str]] = {}
        for gap in self.gaps:
            keys.setdefault(gap.kind, set()).add(gap.source_id)
        return {kind: sorted(ids) for kind, ids in sorted(keys.items())}

    def to_json(self) -> str:
        """The report as JSON (source keys, counts and totals; no field values)."""
        body = {
            "run_id": self.run_id,
            "reconciled": self.reconciled,
            "reasons": self.reasons,
            "tables": [t.model_dump() | {"ok": t.ok} for t in self.tables],
            "totals": [t.model_dump() for t in self.totals],
            "gaps": [g.model_dump() for g in self.gaps],
            "fixback": self.fixback_keys(),
        }
        return json.dumps(body, indent=1, default=_plain) + "\n"


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else repr(value)
