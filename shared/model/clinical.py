"""Clinical records: encounters, notes, procedures, treatment plans, prescriptions, referrals."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.model.base import CanonicalRecord, Coding, phi

ToothNotation = Literal["fdi", "universal", "palmer", "alphanumeric", "unknown"]
ProcedureStatus = Literal[
    "planned", "in_progress", "completed", "existing_current", "existing_other",
    "referred_out", "condition", "declined", "deleted",
]  # fmt: skip
TreatmentPlanStatus = Literal[
    "draft", "presented", "accepted", "partially_accepted", "declined",
    "in_progress", "completed", "inactive",
]  # fmt: skip


class Tooth(BaseModel):
    """A tooth in FDI form, with the notation the source used kept raw."""

    model_config = ConfigDict(extra="forbid")

    fdi: str | None = None
    notation_raw: str
    notation_system: ToothNotation = "unknown"


class Encounter(CanonicalRecord):
    """A visit."""

    kind: ClassVar[str] = "encounter"

    patient_id: str
    appointment_id: str | None = None
    location_id: str | None = None
    practitioner_id: str | None = None
    start: datetime
    end: datetime | None = None
    status: Literal["planned", "in_progress", "finished", "cancelled", "entered_in_error"] = (
        "finished"
    )


class ClinicalNote(CanonicalRecord):
    """A clinical / progress note; the text is clinical PHI and may be HTML (Dr.DENTES)."""

    kind: ClassVar[str] = "clinical_note"

    patient_id: str
    encounter_id: str | None = None
    appointment_id: str | None = None
    author_id: str | None = None
    written_at: datetime
    note_type: Literal[
        "progress", "medical_history", "treatment_note", "lab", "correspondence", "other"
    ] = "progress"
    title: str | None = None
    text: str = phi("clinical")
    text_format: Literal["plain", "html"] = "plain"
    is_signed: bool = False


class ProcedureLine(CanonicalRecord):
    """A charted, planned or completed procedure on a tooth/surface with its fee."""

    kind: ClassVar[str] = "procedure"

    patient_id: str
    appointment_id: str | None = None
    treatment_plan_id: str | None = None
    status: ProcedureStatus = "completed"
    code: Coding
    description: str | None = None
    tooth: Tooth | None = None
    surfaces: list[str] = Field(default_factory=list)
    surfaces_raw: str | None = None
    quantity: int = 1
    fee: Decimal = Decimal("0")
    discount: Decimal = Decimal("0")
    currency: str | None = None
    practitioner_id: str | None = None
    date_planned: date | None = None
    date_completed: date | None = None
    nhs_band: str | None = None
    uda_value: Decimal | None = None
    note: str | None = phi("clinical", default=None)


class TreatmentPlan(CanonicalRecord):
    """A treatment plan; its lines are ProcedureLines that name it in `treatment_plan_id`."""

    kind: ClassVar[str] = "treatment_plan"

    patient_id: str
    title: str
    status: TreatmentPlanStatus = "draft"
    status_raw: str | None = None
    presented_by: str | None = None
    accepted_at: date | None = None
    total_fee: Decimal = Decimal("0")
    currency: str | None = None
    valid_until: date | None = None
    note: str | None = phi("clinical", default=None)


class Prescription(CanonicalRecord):
    """A prescription; `is_controlled` drives the controlled-substance suppression rule."""

    kind: ClassVar[str] = "prescription"

    patient_id: str
    prescriber_id: str | None = None
    written_at: date
    drug_text: str = phi("clinical")
    drug_code: Coding | None = None
    strength: str | None = None
    sig: str | None = phi("clinical", default=None)
    quantity: Decimal | None = None
    refills: int | None = None
    is_controlled: bool = False
    status: Literal["active", "completed", "cancelled", "entered_in_error", "unknown"] = "active"


class Referral(CanonicalRecord):
    """An inbound or outbound referral, including "how did you hear about us" sources."""

    kind: ClassVar[str] = "referral"

    patient_id: str
    direction: Literal["inbound", "outbound"] = "inbound"
    referred_at: date
    source_kind: Literal[
        "clinician", "patient", "organisation", "marketing_channel", "self", "other"
    ] = "other"
    referrer_name: str | None = phi("identifying", default=None)
    referrer_organisation: str | None = None
    reason: str | None = phi("clinical", default=None)
    status: Literal["none", "declined", "scheduled", "consulted", "in_treatment", "complete"] = (
        "none"
    )
    value: Decimal | None = None
