"""Patients and the people related to them (guarantors, emergency contacts, next of kin)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.model.base import CanonicalRecord, Identifier, phi
from shared.model.common import Address, ContactPoint

Sex = Literal["female", "male", "other", "unknown"]
PatientStatus = Literal["active", "inactive", "archived", "prospective", "deceased", "deleted"]
PaymentCategory = Literal["nhs", "private", "plan", "insured", "public_scheme", "mixed", "unknown"]
RelatedRole = Literal[
    "guarantor",
    "emergency_contact",
    "legal_guardian",
    "next_of_kin",
    "invoice_recipient",
    "responsible_party",
    "subscriber",
]
Relationship = Literal[
    "mother", "father", "parent", "spouse", "partner", "child", "sibling",
    "grandparent", "carer", "friend", "self", "other",
]  # fmt: skip


class Allergy(BaseModel):
    """An allergy or intolerance (clinical PHI)."""

    model_config = ConfigDict(extra="forbid")

    substance: str = phi("clinical")
    reaction: str | None = phi("clinical", default=None)
    active: bool = True


class Flag(BaseModel):
    """A practice flag on the patient card (e.g. Dr.DENTES frame colours)."""

    model_config = ConfigDict(extra="forbid")

    label: str
    colour: str | None = None
    note: str | None = phi("clinical", default=None)


class Patient(CanonicalRecord):
    """A patient: identity, demographics, contact, practice relationship, clinical summary."""

    kind: ClassVar[str] = "patient"

    identifiers: list[Identifier] = Field(default_factory=list)
    title: str | None = None
    given_name: str = phi("identifying")
    middle_name: str | None = phi("identifying", default=None)
    family_name: str = phi("identifying")
    preferred_name: str | None = phi("identifying", default=None)
    name_raw: str | None = phi("identifying", default=None)
    date_of_birth: date | None = phi("identifying", default=None)
    sex: Sex = "unknown"
    language: str | None = None
    deceased: bool = False
    addresses: list[Address] = Field(default_factory=list)
    contact_points: list[ContactPoint] = Field(default_factory=list)
    marketing_opt_in: bool | None = None
    status: PatientStatus = "active"
    home_location_id: str | None = None
    primary_practitioner_id: str | None = None
    first_visit_date: date | None = None
    last_visit_date: date | None = None
    payment_category: PaymentCategory = "unknown"
    household_id: str | None = None
    guarantor_id: str | None = None
    referral_source: str | None = None
    medical_alerts: list[str] = phi("clinical", default_factory=list)
    allergies: list[Allergy] = Field(default_factory=list)
    conditions: list[str] = phi("clinical", default_factory=list)
    medications: list[str] = phi("clinical", default_factory=list)
    balance: Decimal | None = phi("financial", default=None)
    currency: str | None = None
    flags: list[Flag] = Field(default_factory=list)

    def primary_contact(self, system: str) -> str | None:
        """The normalised (else raw) value of the first primary, else first, contact of a system."""
        first = None
        for point in self.contact_points:  # one pass: this runs for every migrated patient
            if point.system == system:
                if point.is_primary:
                    return point.value_normalised or point.value_raw
                if first is None:
                    first = point
        return None if first is None else first.value_normalised or first.value_raw

    def identifier(self, system: str) -> Identifier | None:
        """The first identifier of a system (gb-nhs, au-medicare, tr-tckn, ...)."""
        return next((i for i in self.identifiers if i.system == system), None)


class RelatedPerson(CanonicalRecord):
    """A guarantor, emergency contact, guardian or next of kin of a patient."""

    kind: ClassVar[str] = "related_person"

    patient_id: str
    related_patient_id: str | None = None
    roles: list[RelatedRole] = Field(default_factory=list)
    relationship: Relationship = "other"
    relationship_raw: str | None = None
    given_name: str = phi("identifying")
    family_name: str = phi("identifying")
    contact_points: list[ContactPoint] = Field(default_factory=list)
    address: Address | None = None
    date_of_birth: date | None = phi("identifying", default=None)
    is_primary: bool = False
