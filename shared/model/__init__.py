"""The canonical clinic model: every source is read into these, every destination is fed from them.

`OBJECT_KINDS` maps an object kind (as used in source profiles, maps and blob names) to its model.
"""

from __future__ import annotations

from shared.model.base import (
    CanonicalRecord,
    Coding,
    CustomFieldValue,
    Identifier,
    PhiLevel,
    SourceRef,
    SourceSystem,
    phi,
)
from shared.model.billing import (
    Claim,
    Coverage,
    FeeScheduleItem,
    Invoice,
    InvoiceLine,
    Payer,
    Payment,
    ProcedureCode,
)
from shared.model.clinical import (
    ClinicalNote,
    Encounter,
    Prescription,
    ProcedureLine,
    Referral,
    Tooth,
    TreatmentPlan,
)
from shared.model.common import Address, ContactPoint
from shared.model.custom import CustomFieldRecord
from shared.model.documents import CommunicationLog, Document
from shared.model.organization import Chair, Location, Organization
from shared.model.patient import Allergy, Flag, Patient, RelatedPerson
from shared.model.scheduling import Appointment, Recall
from shared.model.staff import StaffMember

OBJECT_KINDS: dict[str, type[CanonicalRecord]] = {
    model.kind: model
    for model in (
        Organization,
        Location,
        StaffMember,
        Patient,
        RelatedPerson,
        Appointment,
        Recall,
        Encounter,
        ClinicalNote,
        ProcedureLine,
        TreatmentPlan,
        Prescription,
        Referral,
        Payer,
        Coverage,
        Invoice,
        Payment,
        Claim,
        ProcedureCode,
        FeeScheduleItem,
        Document,
        CommunicationLog,
        CustomFieldRecord,
    )
}

__all__ = [
    "OBJECT_KINDS",
    "Address",
    "Allergy",
    "Appointment",
    "CanonicalRecord",
    "Chair",
    "Claim",
    "ClinicalNote",
    "Coding",
    "CommunicationLog",
    "ContactPoint",
    "Coverage",
    "CustomFieldRecord",
    "CustomFieldValue",
    "Document",
    "Encounter",
    "FeeScheduleItem",
    "Flag",
    "Identifier",
    "Invoice",
    "InvoiceLine",
    "Location",
    "Organization",
    "Patient",
    "Payer",
    "Payment",
    "PhiLevel",
    "Prescription",
    "ProcedureCode",
    "ProcedureLine",
    "Recall",
    "Referral",
    "RelatedPerson",
    "SourceRef",
    "SourceSystem",
    "StaffMember",
    "Tooth",
    "TreatmentPlan",
    "phi",
]
