"""What the engine hands on: payload rows, rejections with reason codes, and batch failures.

Nothing here ever holds a patient value outside `Row.payload` (which goes to the destination
only): rejections and events name the entry, the source file and row, the column and a reason.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

# Mapping reason codes, each with the sentence that explains it (values never appear).
MAPPING_REASONS: dict[str, str] = {
    "missing_required": "a required column has no value",
    "lookup_key_missing": "a required lookup has no parent id",
    "value_not_in_value_map": "the value is not in the column's value map",
    "value_not_in_options": "the value is not one of the column's choice options",
    "value_too_long": "the text is longer than the column allows",
    "not_a_number": "the value is not a number",
    "not_a_whole_number": "the value is not a whole number",
    "not_a_date": "the value is not a date",
    "not_a_boolean": "the value is not yes/no",
    "expression_error": "the map's expression failed on this row",
    "missing_match_value": "the value used to find the existing record is empty",
    "oversized_document": "the document is larger than the destination's limit",
    "value_truncated": "the text was cut to the column's length",
    "phi_opt_out": "the operator opted out of this PHI category",
}


@dataclass(frozen=True, slots=True)
class Attachment:
    """The staged file a note/document row carries; the writer reads and uploads the bytes."""

    path: str
    file_name: str
    mime_type: str
    size_bytes: int
    sha256: str


@dataclass(frozen=True, slots=True)
class ValueEvent:
    """Something that happened to one column of an accepted row (e.g. a dropped value)."""

    column: str
    reason: str


@dataclass(slots=True)
class Row:
    """One destination row: the payload to upsert and what follows it.

    Attributes:
        entry: the map's table entry that produced it.
        key: the destination source key (also in the payload's key column).
        payload: column -> value, lookups as bind-by-key values; JSON-serialisable.
        deferred: columns written by a second PATCH once the whole table is loaded
            (self-referencing and deferred lookups, Dataverse state changes).
        file, source_row: where the source record came from.
        attachment: the staged file for notes/documents.
        match: for `operation: match`, the (column, value) that finds the existing record.
        events: columns whose value was dropped or cut, with the reason.
    """

    entry: str
    key: str
    payload: dict[str, Any]
    deferred: dict[str, Any]
    file: str
    source_row: int
    attachment: Attachment | None = None
    match: tuple[str, Any] | None = None
    events: list[ValueEvent] | None = None


@dataclass(frozen=True, slots=True)
class Rejection:
    """A source record the map would not turn into a row, and why."""

    entry: str
    key: str
    file: str
    source_row: int
    column: str | None
    reason: str

    @property
    def message(self) -> str:
        """Value-free text: `patients.csv row 12, column birthdate: not_a_date (...)`."""
        where = f"{self.file} row {self.source_row}"
        if self.column:
            where += f", column {self.column}"
        explanation = MAPPING_REASONS.get(self.reason, "see reason code")
        return f"{self.entry}: {where}: {self.reason} ({explanation})"

    def to_dict(self) -> dict[str, Any]:
        """Plain data for reports and the ledger."""
        return {
            "entry": self.entry,
            "key": self.key,
            "file": self.file,
            "row": self.source_row,
            "column": self.column,
            "reason": self.reason,
        }


class BatchFailed(Exception):
    """A `fail_batch` policy tripped: nothing of the batch may be written."""

    def __init__(self, rejection: Rejection) -> None:
        super().__init__(rejection.message)
        self.rejection = rejection


class RowRejected(Exception):
    """Raised inside a transform to reject the current row (caught by the engine)."""

    def __init__(self, column: str | None, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


@dataclass
class TransformResult:
    """One batch through one table entry: rows to write, rejections, skips by reason."""

    entry: str
    map_sha256: str | None
    rows: list[Row] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def counts(self) -> dict[str, int]:
        """read / accepted / rejected / skipped, for the batch counters."""
        accepted, rejected = len(self.rows), len(self.rejected)
        skipped = sum(self.skipped.values())
        return {
            "read": accepted + rejected + skipped,
            "accepted": accepted,
            "rejected": rejected,
            "skipped": skipped,
        }
