"""The sample's field-level diff: per record and column, source -> sent -> read back, verdict.

Input is what the load step had in hand (each compiled entry, the canonical record and the row it
became, plus the destination's per-record results) and the destination's current values read back
by source key. Every mismatch carries a reason a reviewer can act on. The report holds patient
values: it is written only to the run's private `reports` container.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from shared.mapping.engine import CompiledTable, FieldTrace
from shared.mapping.results import MAPPING_REASONS, Row

Verdict = Literal["match", "transformed", "mismatch", "missing"]
VERDICTS: tuple[Verdict, ...] = ("match", "transformed", "mismatch", "missing")
VERDICT_LABELS: dict[str, str] = {
    "match": "match",
    "transformed": "transformed as expected",
    "mismatch": "mismatch",
    "missing": "missing",
}
BIND = "@odata.bind"
FORMATTED_VALUE = "OData.Community.Display.V1.FormattedValue"


class DiffDestination(Protocol):
    """What the diff reads from a destination (DataverseDestination implements it)."""

    async def read_back(
        self, table: str, keys: Sequence[str], columns: Sequence[str]
    ) -> dict[str, dict[str, Any]]: ...

    async def bound_keys(
        self,
        table: str,
        keys: Sequence[str],
        binds: Sequence[str],
        by: Mapping[str, str] | None = None,
    ) -> dict[str, dict[str, str | None]]: ...

    def bind_target(self, value: Any) -> str | None: ...

    def bind_by(self, value: Any) -> str | None: ...


@dataclass(frozen=True, slots=True)
class SampleRow:
    """One sample record as the load step wrote it: the entry, the canonical record, the row."""

    entry: CompiledTable
    record: Any
    row: Row


class FieldDiff(BaseModel):
    """One record x one column of the diff."""

    table: str
    entry: str
    key: str
    column: str
    source_value: Any = None
    sent: Any = None
    read_back: Any = None
    read_back_label: str | None = None  # the destination's display text (a choice's label)
    transformation: str = ""
    verdict: Verdict
    reason: str = ""


class DiffReport(BaseModel):
    """Every field of every sample record, with the summary the reviewer reads first."""

    run_id: str
    map_sha256: str | None = None
    fields: list[FieldDiff] = Field(default_factory=list)

    def summary(self) -> dict[str, dict[str, int]]:
        """Verdict counts per destination table, plus `all`."""
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for item in self.fields:
            counts[item.table][item.verdict] += 1
            counts["all"][item.verdict] += 1
        return {table: {v: counts[table][v] for v in VERDICTS} for table in sorted(counts)}

    @property
    def mismatch_rate(self) -> float:
        """Share of fields that are mismatched or missing (the goal is 0)."""
        bad = sum(item.verdict in ("mismatch", "missing") for item in self.fields)
        return bad / len(self.fields) if self.fields else 0.0

    def to_json(self) -> str:
        """The report as JSON: summary, mismatch rate and every field."""
        body = {
            "run_id": self.run_id,
            "map_sha256": self.map_sha256,
            "summary": self.summary(),
            "mismatch_rate": self.mismatch_rate,
            "fields": [item.model_dump(mode="json") for item in self.fields],
        }
        return json.dumps(body, indent=1, default=str, ensure_ascii=False) + "\n"


async def field_diff(
    destination: DiffDestination,
    sample: Sequence[SampleRow],
    *,
    run_id: str,
    rejected: Mapping[str, str] | None = None,
) -> DiffReport:
    """Reads every sample record back and compares each mapped column.

    Args:
        destination: where the sample was loaded.
        sample: the rows the load step wrote, with their entries and canonical records.
        run_id: the sample run.
        rejected: source key -> the destination's reason code, for records it refused.

    Returns:
        The diff, ordered by table, record and column.
    """
    rejected = rejected or {}
    by_table: dict[str, list[SampleRow]] = defaultdict(list)
    for item in sample:
        by_table[item.entry.table].append(item)
    report = DiffReport(run_id=run_id, map_sha256=next((s.entry.map_sha256 for s in sample), None))
    for table in sorted(by_table):
        items = by_table[table]
        traces = [(item, item.entry.explain(item.record, item.row)) for item in items]
        keys = list(dict.fromkeys(item.row.key for item in items))
        plain = sorted({t.column for _, ts in traces for t in ts if BIND not in t.column})
        binds = sorted({t.column for _, ts in traces for t in ts if BIND in t.column})
        found = await destination.read_back(table, keys, plain)
        by = {  # binds sent by another alternate key than the source key (productnumber)
            t.column: column
            for item, ts in traces
            for t in ts
            if BIND in t.column and (column := destination.bind_by(_sent(item.row, t.column)))
        }
        bound = await destination.bound_keys(table, keys, binds, by) if binds else {}
        for item, item_traces in traces:
            current = found.get(item.row.key)
            for trace in item_traces:
                sent = _sent(item.row, trace.column)
                report.fields.append(
                    _compare(
                        destination,
                        table,
                        item,
                        trace,
                        sent,
                        current,
                        bound,
                        rejected.get(item.row.key),
                    )
                )
    return report


def _sent(row: Row, column: str) -> Any:
    """What the load step sent for a column (first write or the deferred second PATCH)."""
    return row.payload.get(column, row.deferred.get(column))


def _compare(
    destination: DiffDestination,
    table: str,
    item: SampleRow,
    trace: FieldTrace,
    sent: Any,
    current: dict[str, Any] | None,
    bound: Mapping[str, Mapping[str, str | None]],
    rejected: str | None,
) -> FieldDiff:
    diff = FieldDiff(
        table=table, entry=item.entry.entry, key=item.row.key, column=trace.column,
        source_value=jsonable(trace.source_value), sent=jsonable(sent),
        transformation=trace.transformation, verdict="match",
    )  # fmt: skip
    if BIND in trace.column:
        diff.sent = destination.bind_target(sent)
    if current is None:
        diff.verdict = "missing"
        diff.reason = (
            f"the destination rejected the record ({rejected})"
            if rejected
            else "the record is not in the destination"
        )
        return diff
    if BIND in trace.column:
        wanted, got = diff.sent, bound.get(item.row.key, {}).get(trace.column)
        diff.read_back = got
        if wanted == got or (wanted and got and wanted.lower() == got.lower()):
            diff.verdict = "transformed" if trace.transformation else "match"
            diff.reason = "linked to the record with this source key" if wanted else ""
        elif got is None:
            diff.verdict, diff.reason = "missing", "the lookup is empty in the destination"
        else:
            diff.verdict, diff.reason = "mismatch", "linked to a different record than sent"
        return diff
    stored = current.get(trace.column)
    diff.read_back = jsonable(stored)
    label = current.get(f"{trace.column}@{FORMATTED_VALUE}")
    if label is not None and str(label) != str(stored):
        diff.read_back_label = str(label)
    if not equivalent(sent, stored):
        diff.verdict, diff.reason = "mismatch", mismatch_reason(sent, stored, trace.source_value)
        return diff
    if trace.note:
        diff.verdict = "transformed"
        diff.reason = f"value not written: {trace.note} ({MAPPING_REASONS.get(trace.note, '')})"
    elif not equivalent(jsonable(trace.source_value), sent):
        diff.verdict = "transformed"
        diff.reason = trace.transformation or "converted for the column"
    return diff


def jsonable(value: Any) -> Any:
    """A value as the report shows it: dates ISO, decimals as text, enums as their value."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return str(getattr(value, "value", value))


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _moment(value: Any) -> datetime | date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def equivalent(sent: Any, stored: Any) -> bool:
    """Whether the destination holds what was sent (numbers by value, instants by time)."""
    if sent in (None, "") or stored in (None, ""):
        return sent in (None, "") and stored in (None, "")
    if isinstance(sent, bool) or isinstance(stored, bool):
        return sent is stored or str(sent).lower() == str(stored).lower()
    left, right = _number(sent), _number(stored)
    if left is not None and right is not None:
        return left == right
    a, b = _moment(sent), _moment(stored)
    if a is not None and b is not None:
        if isinstance(a, datetime) and isinstance(b, datetime):
            return a.replace(microsecond=0) == b.replace(microsecond=0)
        return a == b
    return str(sent) == str(stored)


def mismatch_reason(sent: Any, stored: Any, source: Any = None) -> str:
    """Why the stored value differs from the one sent, in words (never the values)."""
    if stored in (None, ""):
        return "the destination holds no value: the column dropped it or it was cleared later"
    a, b = _moment(sent), _moment(stored)
    if isinstance(source, date) and not isinstance(source, datetime) and isinstance(b, date):
        day = b.date() if isinstance(b, datetime) else b
        if day != source:
            return (
                f"date shifted by {(day - source).days:+d} day(s) from the source: a date was "
                "sent as a date-time and stored as its UTC date (map it with type: dateonly)"
            )
    if a is not None and b is not None:
        day_a = a.date() if isinstance(a, datetime) else a
        day_b = b.date() if isinstance(b, datetime) else b
        if day_a != day_b:
            shift = (day_b - day_a).days
            return (
                f"date shifted by {shift:+d} day(s): a date sent as a date-time was stored in "
                "another time zone (use a date-only column / type: dateonly)"
            )
        return "time differs: the column's time-zone behaviour changed the stored time"
    if isinstance(sent, str) and isinstance(stored, str) and sent.startswith(stored):
        return f"text cut to {len(stored)} characters by the destination"
    left, right = _number(sent), _number(stored)
    if left is not None and right is not None:
        return "number stored differently: rounded to the column's precision or changed later"
    return (
        "the destination holds a different value: changed after the write (another map entry, "
        "a plug-in, a workflow or a user)"
    )
