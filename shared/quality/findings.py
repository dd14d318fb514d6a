"""What readers and quality rules report about a row: a reason code and where, never the value.

A `Finding` names the file, row and column and carries a reason code from `REASONS`; its message is
fixed text per reason, so no patient value can leak through it into logs or reports. A row whose
findings include a `quarantine` one ends quarantined; `warning` findings travel with accepted rows.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from shared.model.base import CanonicalRecord, SourceRef

Severity = Literal["quarantine", "warning"]
# A row's final status after profiling: merged rows are duplicates folded into a survivor.
RowStatus = Literal["accepted", "quarantined", "merged"]

# Reason codes, each with the one sentence that explains it. Messages never include values.
REASONS: dict[str, str] = {
    "missing_required": "a required field is empty",
    "malformed_date": "the date does not match the file's date format",
    "date_out_of_range": "the date is outside the plausible range",
    "malformed_number": "the number cannot be parsed in the file's locale",
    "unknown_enum_value": "the value is not in the profile's value map",
    "invalid_identifier": "the identifier fails its check-digit algorithm",
    "invalid_email": "the e-mail address is not valid syntax",
    "invalid_phone": "the phone number is not valid for its region",
    "unverified_phone": "the phone number has a possible length but no assigned range; kept",
    "ragged_row": "the row has a different number of cells than the header",
    "duplicate_patient": "same normalised name and date of birth as another patient",
    "duplicate_source_id": "the source id appears more than once in the export",
    "orphan_reference": "the record points to a parent that is not in the export",
    "unresolved_reference": "an optional reference points to a record not in the export",
    "parent_quarantined": "the parent record was quarantined, so this one is held back with it",
    "parent_merged": "the parent was merged into a duplicate; the reference now names the survivor",
    "oversized_document": "the document is larger than the destination's limit",
    "missing_document_file": "the document's file is not in the export",
    "formula_injection": "free text starts like a spreadsheet formula; neutralised",
    "unreadable_file": "the file cannot be read as the expected format",
    "missing_header": "no header row with the profile's columns was found",
    "empty_file": "the file has no data rows",
    "encoding_fallback": "the file's encoding was guessed; check accented characters",
    "malformed_value": "the value cannot be read as the column's type",
    "missing_file": "a file of the export layout is not in the export",
    "unexpected_file": "the file is not part of the export layout and was not read",
    "missing_column": "a column of the profile is not in the file's header",
    "missing_sheet": "the workbook has no sheet with the profile's name",
}


class Finding(BaseModel):
    """One problem found in a source row (or file when `row` is None), without the value."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reason: str
    severity: Severity
    object_kind: str
    file: str
    row: int | None = None
    column: str | None = None

    @property
    def message(self) -> str:
        """Fixed, value-free text: "patients.csv row 12, column DOB: malformed_date (...)"."""
        where = self.file if self.row is None else f"{self.file} row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.reason} ({REASONS.get(self.reason, 'see reason code')})"


class RowOutcome(BaseModel):
    """A source row after reading and validation: a record (if one could be built) and findings."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    object_kind: str
    source_ref: SourceRef
    record: CanonicalRecord | None
    findings: list[Finding] = []
    # Set by the quality profiler when this row duplicates an earlier one: the survivor's source id.
    merged_into: str | None = None

    @property
    def quarantined(self) -> bool:
        """True when no record could be built or any finding quarantines the row."""
        if self.record is None:
            return True
        # Most rows have no findings: skip building a generator for them (runs for every row).
        return bool(self.findings) and any(f.severity == "quarantine" for f in self.findings)

    @property
    def status(self) -> RowStatus:
        """Accepted, quarantined, or merged into the first-seen duplicate (`merged_into`)."""
        if self.quarantined:
            return "quarantined"
        return "accepted" if self.merged_into is None else "merged"
