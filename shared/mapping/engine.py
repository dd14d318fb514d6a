"""The transform: canonical records -> destination payload rows, per compiled table entry.

All YAML and pydantic work happened at compile time; per record this runs prepared getters and
converters into a plain dict. Lookups are rendered as bind-by-key values (see keys.py): for
Dataverse `"<nav>@odata.bind": "/<entityset>(<keycolumn>='<key>')"`, for Salesforce
`"<Relationship>.<ExternalId__c>": "<key>"`. The source key travels in the key column; the
original created-on goes to `overriddencreatedon` (Salesforce `CreatedDate`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from shared.mapping.convert import Converter
from shared.mapping.results import (
    Attachment,
    Rejection,
    Row,
    RowRejected,
    TransformResult,
    ValueEvent,
)
from shared.mapping.spec import Policy

Getter = Callable[[Any], Any]
Render = Callable[[str, Any], Any]  # (source system, parent id) -> payload value


@dataclass(frozen=True, slots=True)
class FieldStep:
    """One column: read, convert, check."""

    column: str
    get: Getter
    convert: Converter | None
    required: bool
    policy: Policy
    lineage: str
    path: str | None = None


@dataclass(frozen=True, slots=True)
class LookupCandidateStep:
    """One way to fill a lookup column."""

    payload_key: str
    get: Getter | None
    const: str | None
    render: Render
    deferred: bool


@dataclass(frozen=True, slots=True)
class LookupStep:
    """A lookup column: the first candidate with a parent id wins."""

    column: str
    candidates: tuple[LookupCandidateStep, ...]
    required: bool
    lineage: str


@dataclass(frozen=True, slots=True)
class FilterStep:
    """Skip or reject rows for which the expression is true."""

    test: Callable[[Any], Any]
    action: str
    reason: str


@dataclass(frozen=True, slots=True)
class AttachmentStep:
    """Getters for the staged file and the destination's size limit."""

    path: Getter
    file_name: Getter
    mime_type: Getter
    size: Getter
    sha256: Getter
    max_bytes: int
    base64: bool


@dataclass
class CompiledTable:
    """One table entry compiled for one run; `transform` is the per-record hot path.

    `update_only` entries merge columns onto a record another entry creates (e.g. insurance
    fields onto the patient's contact): write them with `If-Match: *` so they never create.
    """

    entry: str
    table: str
    entity_set: str | None
    operation: str
    source_kind: str | None
    key_column: str
    key_of: Callable[[Any], str]
    system_column: str
    run_id_column: str
    run_id: str
    fields: tuple[FieldStep, ...]
    lookups: tuple[LookupStep, ...] = ()
    filters: tuple[FilterStep, ...] = ()
    extras: tuple[Callable[[Any, dict[str, Any], dict[str, Any]], None], ...] = ()
    attachment: AttachmentStep | None = None
    match: tuple[str, Getter] | None = None
    fill: Callable[[Any, dict[str, Any]], list[ValueEvent] | None] | None = None
    update_only: bool = False
    enabled: bool = True
    disabled_reason: str | None = None
    lineage: dict[str, str] = field(default_factory=dict)
    map_sha256: str | None = None

    def transform(self, records: Iterable[Any]) -> TransformResult:
        """Turn a batch of canonical records into rows, rejections and skip counts.

        Raises:
            BatchFailed: a column with policy `fail_batch` met a value it cannot take.
        """
        result = TransformResult(entry=self.entry, map_sha256=self.map_sha256)
        if not self.enabled:
            for _ in records:
                result.skipped[self.disabled_reason or "disabled"] += 1
            return result
        rows, rejected, skipped = result.rows, result.rejected, result.skipped
        for record in records:
            try:
                reason = self._filtered(record)
                if reason is not None:
                    skipped[reason] += 1
                    continue
                rows.append(self.transform_one(record))
            except RowRejected as error:
                rejected.append(self.rejection(record, error.column, error.reason))
        return result

    def _filtered(self, record: Any) -> str | None:
        for step in self.filters:
            try:
                hit = step.test(record)
            except Exception:  # a map expression failing is a row problem
                raise RowRejected(None, "expression_error") from None
            if hit:
                if step.action == "reject":
                    raise RowRejected(None, step.reason)
                return step.reason
        return None

    def transform_one(self, record: Any) -> Row:
        """One record to one row (filters not applied); raises RowRejected or BatchFailed."""
        key = self.key_of(record)
        payload: dict[str, Any] = {
            self.key_column: key,
            self.system_column: record.source_system,
            self.run_id_column: self.run_id,
        }
        # A disabled or static-only entry has no columns to fill.
        events = self.fill(record, payload) if self.fill is not None else None
        deferred: dict[str, Any] = {}
        for lookup in self.lookups:
            self._bind(record, lookup, payload, deferred)
        for extra in self.extras:
            extra(record, payload, deferred)
        row = Row(
            self.entry,
            key,
            payload,
            deferred,
            record.source_ref.file,
            record.source_ref.row,
            events=events,
        )
        if self.attachment is not None:
            row.attachment = self._attachment(record)
        if self.match is not None:
            column, get = self.match
            value = get(record)
            if value in (None, ""):
                raise RowRejected(column, "missing_match_value")
            row.match = (column, value)
        return row

    @staticmethod
    def _bind(
        record: Any, lookup: LookupStep, payload: dict[str, Any], deferred: dict[str, Any]
    ) -> None:
        for candidate in lookup.candidates:
            parent = candidate.const if candidate.get is None else candidate.get(record)
            if parent is None or parent == "":
                continue
            value = candidate.render(record.source_system, parent)
            if value is None:
                continue
            (deferred if candidate.deferred else payload)[candidate.payload_key] = value
            return
        if lookup.required:
            raise RowRejected(lookup.column, "lookup_key_missing")

    def _attachment(self, record: Any) -> Attachment:
        step = self.attachment
        assert step is not None
        size = int(step.size(record) or 0)
        measured = 4 * ((size + 2) // 3) if step.base64 else size
        if measured > step.max_bytes:
            raise RowRejected(None, "oversized_document")
        return Attachment(
            path=str(step.path(record)),
            file_name=str(step.file_name(record)),
            mime_type=str(step.mime_type(record) or "application/octet-stream"),
            size_bytes=size,
            sha256=str(step.sha256(record) or ""),
        )

    def rejection(self, record: Any, column: str | None, reason: str) -> Rejection:
        try:
            key = self.key_of(record)
        except Exception:  # the key itself may be what is broken
            key = ""
        ref = record.source_ref
        return Rejection(self.entry, key, ref.file, ref.row, column, reason)

    def source_values(self, record: Any) -> dict[str, Any]:
        """Column -> the raw source value it is made from (for the sample's field-level diff)."""
        values: dict[str, Any] = {}
        for step in self.fields:
            try:
                values[step.column] = step.get(record)
            except Exception:  # shown as missing in the diff
                values[step.column] = None
        return values

    def explain(self, record: Any, row: Row) -> list[FieldTrace]:
        """Per column: source value, value written and the transformation (the sample's diff).

        The diff shows patient values, so it belongs in the run's private report container.
        """
        dropped = {event.column: event.reason for event in row.events or []}
        traces = [
            FieldTrace(
                column=column,
                source_value=source,
                written_value=row.payload.get(column),
                transformation=self.lineage.get(column, ""),
                note=dropped.get(column),
            )
            for column, source in self.source_values(record).items()
        ]
        for lookup in self.lookups:
            for candidate in lookup.candidates:
                if candidate.payload_key in row.payload or candidate.payload_key in row.deferred:
                    written = row.payload.get(
                        candidate.payload_key, row.deferred.get(candidate.payload_key)
                    )
                    parent = candidate.const if candidate.get is None else candidate.get(record)
                    traces.append(
                        FieldTrace(candidate.payload_key, parent, written, lookup.lineage, None)
                    )
                    break
        return traces


@dataclass(frozen=True, slots=True)
class FieldTrace:
    """One column of one sample row, for the field-level diff (read-back is added by the report)."""

    column: str
    source_value: Any
    written_value: Any
    transformation: str
    note: str | None
