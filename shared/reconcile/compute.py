"""Reconcile a run: staged canonical pages (source) vs records stamped with the run (destination).

The source side runs the confirmed map over the staged pages, so it knows exactly which records
should exist, their keys and the values sent; the destination side is queried by the run-id
provenance column, never taken from our ledger. The ledger adds written / rejected counts.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from shared.ledger import AuditLedger, BlobStaging
from shared.mapping.compiler import CompiledMap
from shared.mapping.engine import CompiledTable
from shared.mapping.paths import compile_path
from shared.model import OBJECT_KINDS, CanonicalRecord
from shared.reconcile.models import Gap, Reconciliation, TableCounts, TotalResult
from shared.reconcile.totals import CountByTotal, SumTotal
from shared.reports.diff import equivalent

WRITTEN = ("created", "updated", "unchanged")


class ReconcileDestination(Protocol):
    """What reconciliation reads from a destination (DataverseDestination implements it)."""

    async def records_of_run(
        self, table: str, run_id: str, columns: Sequence[str] = ()
    ) -> dict[str, dict[str, Any]]: ...

    async def bound_keys(
        self,
        table: str,
        keys: Sequence[str],
        binds: Sequence[str],
        by: Mapping[str, str] | None = None,
    ) -> dict[str, dict[str, str | None]]: ...

    def bind_by(self, value: Any) -> str | None: ...

    async def read_back(
        self, table: str, keys: Sequence[str], columns: Sequence[str]
    ) -> dict[str, dict[str, Any]]: ...

    def bind_target(self, value: Any) -> str | None: ...


@dataclass
class _Expected:
    """The source side of one destination table, built from the staged pages."""

    entries: list[str] = field(default_factory=list)
    keys: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (kind, source id)
    entry_keys: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    sent: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> total column values
    accepted: int = 0
    filtered: int = 0
    map_rejected: int = 0
    sums: dict[str, Decimal] = field(default_factory=dict)
    groups: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))


def staged_records(staging: BlobStaging, run_id: str, kind: str) -> Iterator[CanonicalRecord]:
    """The run's accepted canonical records of one kind, page by page."""
    model = OBJECT_KINDS[kind]
    for page in staging.list_pages(run_id, kind):
        for document in staging.read_jsonl(page):
            yield model.model_validate(document)


def _number(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def _label(destination: ReconcileDestination, column: str, value: Any) -> str:
    if "@" in column:
        return str(destination.bind_target(value) or "(none)")
    return "(none)" if value in (None, "") else str(value)


def _source_side(
    destination: ReconcileDestination,
    compiled: CompiledMap,
    staging: BlobStaging,
    run_id: str,
    totals: Sequence[SumTotal | CountByTotal],
    page_size: int = 500,
    pages_of: str | None = None,
) -> dict[str, _Expected]:
    by_table: dict[str, _Expected] = defaultdict(_Expected)
    for name in compiled.order:
        entry = compiled.tables[name]
        if entry.source_kind is None or entry.update_only or entry.operation != "upsert":
            continue
        side = by_table[entry.table]
        side.entries.append(name)
        mine = [t for t in totals if t.entry == name]
        getters = {t.name: compile_path(t.source) for t in mine if isinstance(t, SumTotal)}
        batch: list[CanonicalRecord] = []
        for record in staged_records(staging, pages_of or run_id, entry.source_kind):
            batch.append(record)
            if len(batch) >= page_size:
                _take(destination, entry, batch, side, mine, getters)
                batch = []
        _take(destination, entry, batch, side, mine, getters)
    return by_table


def _take(
    destination: ReconcileDestination,
    entry: CompiledTable,
    records: list[CanonicalRecord],
    side: _Expected,
    totals: Sequence[SumTotal | CountByTotal],
    getters: Mapping[str, Any],
) -> None:
    if not records:
        return
    result = entry.transform(records)
    side.accepted += len(records)
    side.filtered += sum(result.skipped.values())
    side.map_rejected += len(result.rejected)
    by_key = {entry.key_of(r): r for r in records}
    for row in result.rows:
        record = by_key[row.key]
        side.keys[row.key] = (str(entry.source_kind), record.source_id)
        side.entry_keys[entry.entry].add(row.key)
        values = side.sent.setdefault(row.key, {})
        for total in totals:
            value = row.payload.get(total.column, row.deferred.get(total.column))
            if total.column in row.payload or total.column in row.deferred:
                values[total.column] = value  # compared per record (computed ones are not sent)
            if isinstance(total, SumTotal):
                amount = _number(getters[total.name](record))
                side.sums[total.name] = side.sums.get(total.name, Decimal(0)) + amount
            else:
                side.groups[total.name][_label(destination, total.column, value)] += 1


async def reconcile(
    destination: ReconcileDestination,
    compiled: CompiledMap,
    staging: BlobStaging,
    ledger: AuditLedger,
    run_id: str,
    totals: Sequence[SumTotal | CountByTotal],
    *,
    quarantined: Mapping[str, int] | None = None,
    pages_of: str | None = None,
) -> Reconciliation:
    """Counts, totals and gaps for every table the map loads.

    Args:
        destination: where the run loaded.
        compiled: the run's confirmed map, compiled with the run's context.
        staging: the run's staged canonical pages.
        ledger: the audit ledger (written and rejected counts).
        run_id: the run (also the fix-back run's parent: fix-back passes stamp the same id).
        totals: declared field totals (see totals.py).
        quarantined: records the quality step quarantined, per canonical kind.
        pages_of: the staged pages that are the source's state (default: the run's own).

    Returns:
        The reconciliation; `fixback_keys()` lists what a fix-back pass must reload.
    """
    quarantined = quarantined or {}
    expected = _source_side(destination, compiled, staging, run_id, totals, pages_of=pages_of)
    report = Reconciliation(run_id=run_id)
    for table, side in expected.items():
        mine = [t for t in totals if t.entry in side.entries]
        columns = sorted({t.column for t in mine if "@" not in t.column})
        binds = sorted({t.column for t in mine if "@" in t.column})
        stamped = await destination.records_of_run(table, run_id, columns)
        by = {  # binds sent by another alternate key than the source key (productnumber)
            column: key_column
            for values in side.sent.values()
            for column, value in values.items()
            if "@" in column and (key_column := destination.bind_by(value))
        }
        bound = await destination.bound_keys(table, list(stamped), binds, by) if binds else {}
        latest = {  # the ledger keeps rows per map entry
            key: row for entry in side.entries
            for key, row in ledger.latest_by_key(run_id, entry).items()
        }  # fmt: skip
        operations: Counter[str] = Counter(row.operation for row in latest.values())
        counts = TableCounts(
            table=table,
            entries=side.entries,
            source_accepted=side.accepted,
            quarantined=sum(quarantined.get(compiled.tables[e].source_kind or "", 0)
                            for e in side.entries),
            filtered=side.filtered,
            map_rejected=side.map_rejected,
            expected=len(side.keys),
            written=sum(operations[o] for o in WRITTEN),
            rejected_by_destination=operations["rejected"],
            destination_count=sum(1 for key in stamped if key in side.keys),
        )  # fmt: skip
        absent = [key for key in side.keys if key not in stamped]
        present = await destination.read_back(table, absent, []) if absent else {}
        for key in absent:
            row = latest.get(key)
            operation = row.operation if row else ""
            if key in present and operation == "unchanged":
                counts.from_earlier_runs += 1  # identical record an earlier run wrote
                continue
            kind, source_id = side.keys[key]
            problem = "rejected" if operation == "rejected" else "missing"
            detail = (row.reason_code if row else None) or ""
            report.gaps.append(
                Gap(kind=kind, source_id=source_id, key=key, problem=problem, detail=detail)
            )
        report.tables.append(counts)
        for key, found in stamped.items():
            if key not in side.keys:
                continue
            current = {**found, **bound.get(key, {})}
            for column, value in side.sent[key].items():
                have = current.get(column)
                want = destination.bind_target(value) if "@" in column else value
                if not equivalent(want, have):
                    kind, source_id = side.keys[key]
                    report.gaps.append(Gap(kind=kind, source_id=source_id, key=key,
                                           problem="different", detail=column))  # fmt: skip
                    break
        report.totals += _totals(destination, mine, side, stamped, bound)
    names = {t.entry for table in expected.values() for t in totals if t.entry in table.entries}
    report.totals += [
        TotalResult(name=t.name, label=t.label, entry=t.entry, kind=t.kind, status="not_applicable")
        for t in totals
        if t.entry not in names
    ]
    return report


def _totals(
    destination: ReconcileDestination,
    totals: Sequence[SumTotal | CountByTotal],
    side: _Expected,
    stamped: Mapping[str, Mapping[str, Any]],
    bound: Mapping[str, Mapping[str, str | None]],
) -> list[TotalResult]:
    results = []
    for total in totals:  # destination side: the run's records of the total's own entry
        mine = side.entry_keys.get(total.entry, set())
        rows = {k: v for k, v in stamped.items() if k in mine}
        if isinstance(total, SumTotal):
            source: Any = side.sums.get(total.name, Decimal(0))
            target: Any = sum((_number(r.get(total.column)) for r in rows.values()), Decimal(0))
        else:
            source = dict(sorted(side.groups[total.name].items()))
            if "@" in total.column:
                found = Counter(str(bound.get(k, {}).get(total.column) or "(none)") for k in rows)
            else:
                found = Counter(_label(destination, total.column, r.get(total.column))
                                for r in rows.values())  # fmt: skip
            target = dict(sorted(found.items()))
        results.append(
            TotalResult(
                name=total.name,
                label=total.label,
                entry=total.entry,
                kind=total.kind,
                status="match" if source == target else "differ",
                source=source,
                destination=target,
            )
        )
    return results
