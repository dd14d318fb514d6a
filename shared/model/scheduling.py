"""Appointments (with an explicit no-show status, raw status kept) and recalls."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import Field

from shared.model.base import CanonicalRecord, Coding, phi

AppointmentStatus = Literal[
    "requested",
    "booked",
    "confirmed",
    "arrived",
    "in_progress",
    "completed",
    "cancelled_patient",
    "cancelled_practice",
    "cancelled_late",
    "no_show",
    "left_without_visit",
    "rescheduled",
    "waitlist",
    "entered_in_error",
    "other",
]
RecallStatus = Literal["due", "overdue", "contacted", "scheduled", "declined", "disabled"]


class Appointment(CanonicalRecord):
    """A booked slot; `status` is canonical (DNA/FTA -> no_show), `status_raw` is the source's."""

    kind: ClassVar[str] = "appointment"

    patient_id: str
    location_id: str | None = None
    chair_id: str | None = None
    practitioner_id: str | None = None
    appointment_type: Coding | None = None
    start: datetime
    end: datetime | None = None
    duration_min: int | None = None
    status: AppointmentStatus = "booked"
    status_raw: str | None = None
    cancellation_reason: str | None = None
    is_emergency: bool = False
    is_new_patient: bool = False
    notes: str | None = phi("clinical", default=None)
    procedure_ids: list[str] = Field(default_factory=list)


class Recall(CanonicalRecord):
    """A recall (exam, hygiene, ...) due for a patient."""

    kind: ClassVar[str] = "recall"

    patient_id: str
    recall_type: Literal["exam", "hygiene", "perio_maintenance", "ortho", "custom"] = "custom"
    type_raw: str | None = None
    interval_months: int | None = None
    due_date: date
    last_done_date: date | None = None
    status: RecallStatus = "due"
    scheduled_appointment_id: str | None = None
    note: str | None = phi("clinical", default=None)
