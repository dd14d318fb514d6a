"""The proposer's output: one reviewable proposal per column, a value map per enumerated column."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# What a value detector can recognise in a column (see detectors.py for each test).
ValueKind = Literal[
    "email", "phone", "mobile", "landline", "date", "datetime", "time",
    "nhs_number", "tckn", "medicare", "npi", "cdt_code", "au_item_code", "icd10",
    "money", "decimal", "integer", "small_integer", "duration", "percent", "boolean",
    "sex", "title", "id", "postcode", "person_name", "full_name", "last_first_name",
    "street", "place", "country", "currency_code", "tooth", "enum", "free_text", "text",
]  # fmt: skip
CustomFieldType = Literal[
    "text", "number", "currency", "date", "datetime", "boolean", "picklist", "multi_select"
]
Language = Literal["en", "tr"]
REVIEW_BELOW = 0.8  # proposals under this confidence are flagged for the reviewer


class CustomFieldProposal(BaseModel):
    """A destination custom field proposed for a column that has no canonical home."""

    model_config = ConfigDict(extra="forbid")

    name: str
    type: CustomFieldType
    options: list[str] | None = None
    counts: list[int] | None = None  # how often each option occurs in the sample


class Detected(BaseModel):
    """What the value detectors saw in a column: shares per kind and the formats found.

    Never holds a cell value: only shares, counts, formats and masked shapes.
    """

    model_config = ConfigDict(extra="forbid")

    non_empty: int
    distinct: int
    kinds: dict[str, float] = Field(default_factory=dict)
    date_format: str | None = None
    phone_region: str | None = None
    decimal_comma: bool | None = None
    delimiter: str | None = None


class ColumnProposal(BaseModel):
    """The proposed home of one source column, with how sure the proposer is and why."""

    model_config = ConfigDict(extra="forbid")

    column: str
    field: str | None
    confidence: float = Field(ge=0.0, le=1.0)
    reason: str
    custom_field: CustomFieldProposal | None = None
    detected: Detected
    alternatives: list[str] = Field(default_factory=list)
    assisted: bool = False


class ValueMapEntry(BaseModel):
    """One distinct source value, how often it occurs, and the canonical value proposed for it."""

    model_config = ConfigDict(extra="forbid")

    raw: str
    count: int
    canonical: str | None
    confidence: float = Field(ge=0.0, le=1.0)
    reason: str


class ValueMapProposal(BaseModel):
    """Raw -> canonical values for one enumerated column; unmapped values wait for the reviewer."""

    model_config = ConfigDict(extra="forbid")

    column: str
    field: str
    entries: list[ValueMapEntry]

    @property
    def unmapped(self) -> list[str]:
        """The raw values the reviewer must map by hand."""
        return [e.raw for e in self.entries if e.canonical is None]


class ColumnsProposal(BaseModel):
    """The proposal for one export file: every column, in file order, for a person to confirm."""

    model_config = ConfigDict(extra="forbid")

    object: str
    source_file: str
    rows_sampled: int
    region: str | None = None  # given, or inferred from the phone numbers
    columns: list[ColumnProposal]
    value_maps: list[ValueMapProposal] = Field(default_factory=list)

    def to_review(self, threshold: float = REVIEW_BELOW) -> list[str]:
        """Columns a reviewer must look at: unsure, assisted, custom, or with unmapped values."""
        unmapped = {m.column for m in self.value_maps if m.unmapped}
        return [
            c.column
            for c in self.columns
            if c.field is None or c.assisted or c.confidence < threshold or c.column in unmapped
        ]

    def assignment(self) -> dict[str, str | None]:
        """Column -> canonical field (None where a custom field is proposed)."""
        return {c.column: c.field for c in self.columns}
