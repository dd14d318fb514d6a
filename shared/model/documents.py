"""Documents / attachments (metadata plus a staged file) and communication logs."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from shared.model.base import CanonicalRecord, phi

DocumentCategory = Literal[
    "radiograph", "photo", "scan_3d", "consent_form", "medical_history_form",
    "referral_letter", "correspondence", "treatment_plan", "invoice", "lab_docket", "other",
]  # fmt: skip


class Document(CanonicalRecord):
    """A file attached to a patient (or another record); the bytes stay in the staged file."""

    kind: ClassVar[str] = "document"

    patient_id: str | None = None
    related_kind: str | None = None
    related_id: str | None = None
    category: DocumentCategory = "other"
    title: str | None = phi("clinical", default=None)
    file_name: str = phi("clinical")
    mime_type: str
    size_bytes: int
    sha256: str
    created_at: datetime | None = None
    author_id: str | None = None
    source_path: str


class CommunicationLog(CanonicalRecord):
    """A phone call, SMS, e-mail or letter logged against a patient."""

    kind: ClassVar[str] = "communication"

    patient_id: str
    at: datetime
    channel: Literal["phone", "sms", "email", "letter", "in_person", "other"] = "other"
    direction: Literal["inbound", "outbound"] = "outbound"
    subject: str | None = phi("clinical", default=None)
    body: str | None = phi("clinical", default=None)
    staff_id: str | None = None
