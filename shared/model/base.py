"""Building blocks every canonical record shares: provenance, PHI marking, codings and identifiers.

Canonical records are keyed by the source's own id: `patient_id` on an appointment holds the
patient's `source_id` in the same source system. `record_key` joins the source system, the object
kind and the source id into the one key that travels to the destination (alternate key / external
id), so every write is an idempotent upsert.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

SourceSystem = Literal[
    "aerona", "drdentes", "core_practice", "generic_csv", "open_dental", "fhir", "other"
]
PhiLevel = Literal["none", "identifying", "contact", "clinical", "financial"]


def phi(level: PhiLevel = "identifying", **field_kwargs: Any) -> Any:
    """A pydantic Field marked as PHI, so logs and reports can tell which fields to hide."""
    return Field(json_schema_extra={"phi": level}, **field_kwargs)


class SourceRef(BaseModel):
    """Where a record came from: the file (or API page), the sheet and the 1-based data row."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    file: str
    row: int
    sheet: str | None = None

    def __str__(self) -> str:
        sheet = f"[{self.sheet}]" if self.sheet else ""
        return f"{self.file}{sheet}:{self.row}"


class Coding(BaseModel):
    """A code in a named system: cdt, au-ada-item, tr-tdb-rehber, gb-nhs-band, icd-10, ..."""

    model_config = ConfigDict(extra="forbid")

    system: str
    code: str
    display: str | None = None


class Identifier(BaseModel):
    """A person's identifier: gb-nhs, au-medicare (+irn, expiry), tr-tckn, us-npi, ..."""

    model_config = ConfigDict(extra="forbid")

    system: str
    value: str = phi("identifying")
    issuer: str | None = None
    irn: str | None = phi("identifying", default=None)
    expiry: date | None = None
    is_valid: bool | None = None


class CustomFieldValue(BaseModel):
    """A value of a practice-defined field, typed where the definition says how."""

    model_config = ConfigDict(extra="forbid")

    definition_key: str
    label: str | None = None
    data_type: Literal[
        "text", "picklist", "multi_picklist", "date", "bool", "number", "currency"
    ] = "text"
    raw_value: str | None = phi("identifying", default=None)
    typed_value: str | float | bool | date | Decimal | list[str] | None = phi(
        "identifying", default=None
    )
    parse_error: str | None = None


class CanonicalRecord(BaseModel):
    """Base of every canonical object: provenance, timestamps and custom fields."""

    model_config = ConfigDict(extra="forbid", validate_assignment=False)

    kind: ClassVar[str] = "record"

    source_system: SourceSystem
    source_id: str
    source_ref: SourceRef
    created_at_source: datetime | None = None
    updated_at_source: datetime | None = None
    custom_fields: list[CustomFieldValue] = Field(default_factory=list)

    @property
    def record_key(self) -> str:
        """The stable key written to the destination as the source-id alternate key."""
        return f"{self.source_system}:{self.kind}:{self.source_id}"

    @classmethod
    def phi_fields(cls) -> dict[str, PhiLevel]:
        """Names of this model's fields that hold PHI, with their level."""
        found: dict[str, PhiLevel] = {}
        for name, info in cls.model_fields.items():
            extra = info.json_schema_extra
            if isinstance(extra, dict) and extra.get("phi") not in (None, "none"):
                found[name] = extra["phi"]  # type: ignore[assignment]
        return found
