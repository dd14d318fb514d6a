"""The generator's neutral records: what happened at the practice, before any vendor layout.

Layouts (cli/synthetic/layouts/) turn these into a vendor's rows. Vocabularies here are
ClinicFerry's canonical ones (shared/model), so a layout's value table reads canonical -> raw.
Every record has `faults`: (fault kind, field name) pairs that the generator reports in the
manifest under the column the layout prints that field in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from cli.synthetic.locales import PostalAddress


@dataclass(frozen=True, slots=True)
class MalformedDate:
    """A date as a broken export prints it: day/month/year that do not make a calendar date."""

    year: int
    month: int
    day: int


DateValue = date | MalformedDate
CENT = Decimal("0.01")  # money is rounded to cents everywhere
Fault = tuple[str, str]


@dataclass(slots=True)
class Organization:
    id: str
    name: str
    tax_id: str


@dataclass(slots=True)
class Location:
    id: str
    name: str
    parent_id: str | None
    address: PostalAddress
    phone: str
    email: str
    chairs: int


@dataclass(slots=True)
class Staff:
    id: str
    title: str
    given: str
    family: str
    role: str  # dentist, hygienist, therapist, nurse, receptionist, manager
    specialty: str | None
    identifier: str | None  # GDC / T.C. Kimlik / AHPRA / NPI
    email: str
    mobile: str
    location_ids: list[str]
    active: bool
    start_date: date
    commission: Decimal | None = None
    faults: list[Fault] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    description: str
    category: str
    fee: Decimal
    band: str | None = None  # NHS band: "Band 1", "Band 2", "Band 3", "Urgent"
    uda: str | None = None
    surfaces: bool = False  # a surface restoration: lines carry surfaces
    tooth: bool = True  # tooth-specific (else whole mouth)


@dataclass(slots=True)
class Practice:
    organization: Organization
    locations: list[Location]
    staff: list[Staff]
    codes: list[Code]

    @property
    def clinicians(self) -> list[Staff]:
        """Staff who see patients."""
        return [s for s in self.staff if s.role in ("dentist", "hygienist", "therapist")]


@dataclass(slots=True)
class EmergencyContact:
    given: str
    family: str
    phone: str
    relationship: str  # canonical Relationship


@dataclass(slots=True)
class Patient:
    id: str
    number: int
    title: str
    given: str
    middle: str
    family: str
    preferred: str
    dob: DateValue
    sex: str  # female / male
    national_id: str | None
    national_id_irn: str | None
    national_id_expiry: date | None
    nationality: str
    passport: str | None
    address: PostalAddress
    mobile: str
    home_phone: str
    work_phone: str
    email: str | None
    location_id: str
    practitioner_id: str
    payment_category: str  # nhs, private, plan, mixed, insured
    referral_source: str
    allergies: list[str]
    conditions: list[str]
    medical_alert: str
    registered: date
    last_visit: date | None
    status: str  # active, inactive, deceased, archived
    household_id: str | None
    guarantor_id: str | None  # the household head's patient id, for dependants
    is_household_head: bool
    emergency: EmergencyContact | None
    marketing_opt_in: bool
    sms_opt_in: bool
    flag_colour: str | None
    group: str | None
    duplicate_of: str | None = None
    faults: list[Fault] = field(default_factory=list)


@dataclass(slots=True)
class RelatedPerson:
    id: str
    patient_id: str
    role: str  # guarantor, emergency_contact, next_of_kin
    relationship: str
    linked_patient_id: str | None
    title: str
    given: str
    family: str
    phone: str
    email: str | None
    address: PostalAddress
    primary: bool
    faults: list[Fault] = field(default_factory=list)


@dataclass(slots=True)
class Appointment:
    id: str
    patient_id: str
    location_id: str
    practitioner_id: str
    chair: int
    type: str  # exam, new_patient, hygiene, treatment, emergency, review, consultation
    start: datetime
    duration: int
    status: str  # canonical AppointmentStatus
    variant: int  # 0-99, lets a layout pick between synonyms (DNA vs FTA) deterministically
    cancel_reason: str
    notes: str
    booked_at: datetime
    code: str | None = None
    faults: list[Fault] = field(default_factory=list)


@dataclass(slots=True)
class TreatmentPlan:
    id: str
    patient_id: str
    practitioner_id: str
    name: str
    status: str  # canonical TreatmentPlanStatus
    created: date
    accepted: date | None
    completed: date | None
    total: Decimal
    patient_charge: Decimal
    band: str | None
    nhs: bool
    notes: str
    faults: list[Fault] = field(default_factory=list)


@dataclass(slots=True)
class Procedure:
    id: str
    plan_id: str | None
    patient_id: str
    appointment_id: str | None
    practitioner_id: str
    code: Code
    tooth_fdi: str | None
    surfaces: str
    status: str  # planned, completed, declined
    planned: date
    completed: date | None
    fee: Decimal
    insurance_estimate: Decimal
    diagnosis: str | None
    invoice_id: str | None = None
    faults: list[Fault] = field(default_factory=list)


@dataclass(slots=True)
class Invoice:
    id: str
    patient_id: str
    bill_to_related_id: str | None  # the guarantor RelatedPerson id, when a guarantor pays
    bill_to_patient_id: str | None  # the guarantor's patient id, when a guarantor pays
    location_id: str
    practitioner_id: str
    issued: date
    due: date
    amount: Decimal  # tax inclusive
    tax: Decimal
    paid: Decimal
    status: str  # paid, part_paid, issued, overdue, void, written_off
    description: str
    faults: list[Fault] = field(default_factory=list)


@dataclass(slots=True)
class Payment:
    id: str
    patient_id: str
    invoice_id: str
    received: date
    amount: Decimal  # negative = refund
    method: str  # cash, card, cheque, bank_transfer, direct_debit, finance, insurance, refund
    reference: str
    bank_fee: Decimal | None
    practitioner_id: str
    faults: list[Fault] = field(default_factory=list)


@dataclass(slots=True)
class Note:
    id: str
    patient_id: str
    appointment_id: str | None
    practitioner_id: str
    written_at: datetime
    note_type: str  # clinical, medical_history, treatment, correspondence, lab
    text: str  # plain text; paragraphs separated by "\n"
    tooth_fdi: str | None
    faults: list[Fault] = field(default_factory=list)


@dataclass(slots=True)
class Document:
    id: str
    patient_id: str
    category: str  # radiograph, photo, consent_form, medical_history_form, referral_letter, ...
    title: str
    extension: str  # pdf, jpg, png
    size: int  # 0 until written; then the file's real size
    uploaded_at: datetime
    uploaded_by: str
    oversized: bool = False
    faults: list[Fault] = field(default_factory=list)


@dataclass(slots=True)
class Recall:
    id: str
    patient_id: str
    type: str  # exam, hygiene, perio_maintenance, ortho
    interval_months: int
    last_done: date | None
    due: date
    status: str  # due, contacted, scheduled, declined
    faults: list[Fault] = field(default_factory=list)


@dataclass(slots=True)
class Coverage:
    id: str
    patient_id: str
    payer: str
    member_id: str
    group_number: str
    relationship: str  # self, spouse, child, other
    order: int
    start: date
    end: date | None
    cover_type: str
    faults: list[Fault] = field(default_factory=list)


@dataclass(slots=True)
class CustomValue:
    patient_id: str
    key: str
    data_type: str  # text, date, number, picklist, multi_picklist, bool
    value: str | date | Decimal | bool | list[str]


@dataclass(slots=True)
class Prescription:
    id: str
    patient_id: str
    prescriber_id: str
    written: date
    drug: str
    strength: str
    form: str
    sig: str
    quantity: int
    refills: int
    controlled_schedule: str | None
    status: str  # active, completed, cancelled
    faults: list[Fault] = field(default_factory=list)


@dataclass(slots=True)
class Bundle:
    """One patient with everything that hangs off them, generated and written together."""

    patient: Patient
    related: list[RelatedPerson] = field(default_factory=list)
    appointments: list[Appointment] = field(default_factory=list)
    plans: list[TreatmentPlan] = field(default_factory=list)
    procedures: list[Procedure] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    recalls: list[Recall] = field(default_factory=list)
    coverages: list[Coverage] = field(default_factory=list)
    custom: list[CustomValue] = field(default_factory=list)
    prescriptions: list[Prescription] = field(default_factory=list)
