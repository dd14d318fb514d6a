"""The data-quality report: counts per object kind, reason, severity and column; never values.

`accepted + quarantined + merged == rows_read` holds for every object kind (`balanced`); examples
name a file, a row and a column so a person can look the value up in the export themselves.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from shared.quality.findings import Severity


class ExampleLocation(BaseModel):
    """Where one instance of a finding is: file, 1-based data row, canonical column."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    file: str
    row: int | None = None
    column: str | None = None


class ReasonCount(BaseModel):
    """How often a reason code was found with a severity, by column, with a few examples."""

    model_config = ConfigDict(extra="forbid")

    reason: str
    severity: Severity
    description: str
    count: int
    columns: dict[str, int] = Field(default_factory=dict)
    examples: list[ExampleLocation] = Field(default_factory=list)


class ObjectProfile(BaseModel):
    """One object kind's rows and what became of them."""

    model_config = ConfigDict(extra="forbid")

    object_kind: str
    rows_read: int
    accepted: int
    quarantined: int
    merged: int
    reasons: list[ReasonCount] = Field(default_factory=list)

    @property
    def balanced(self) -> bool:
        """Every row read ended accepted, quarantined or merged, exactly once."""
        return self.accepted + self.quarantined + self.merged == self.rows_read


class FileProfile(BaseModel):
    """A file read: its encoding (as the reader decided), rows and file-level findings."""

    model_config = ConfigDict(extra="forbid")

    file: str
    object_kind: str | None = None
    encoding: str | None = None
    rows: int = 0
    reasons: list[ReasonCount] = Field(default_factory=list)


class QualityReport(BaseModel):
    """The profile of one extract, produced before anything is written to the destination."""

    model_config = ConfigDict(extra="forbid")

    generated_at: datetime
    as_of: date
    rules: dict[str, str]
    objects: list[ObjectProfile]
    files: list[FileProfile]
    quarantine_rows: int
    # "appointment.location_id": references that could not be checked because no row of the
    # parent kind had been read when they came (the export lacks it, or lists it later).
    unchecked_references: list[str] = Field(default_factory=list)

    @property
    def balanced(self) -> bool:
        """True when every object kind balances."""
        return all(profile.balanced for profile in self.objects)

    def object(self, object_kind: str) -> ObjectProfile | None:
        """The profile of one object kind, if any rows of it were read."""
        return next((p for p in self.objects if p.object_kind == object_kind), None)
