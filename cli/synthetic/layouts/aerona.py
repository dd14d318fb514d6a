"""AeronaClinic (UK/IE) report CSVs, as mappings/sources/README.md §1 describes them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal

from cli.synthetic.activity import ActivitySpec
from cli.synthetic.faults import FaultTargets
from cli.synthetic.layouts.base import Layout, Row, day_first, hhmm, palmer, plain_money, yes_no
from cli.synthetic.locales import Country
from cli.synthetic.model import Bundle, Code, Practice
from cli.synthetic.naming import IdScheme, numeric_ids
from cli.synthetic.people import NationalId, PeopleSpec
from cli.synthetic.sinks import FileSpec

D = Decimal
_CODES = [  # code, description, category, fee, band, UDA, surfaces, tooth
    Code("EX1", "Examination", "diagnostic", D("27.90"), "Band 1", "1.0", tooth=False),
    Code("NPE", "New patient examination", "diagnostic", D("27.90"), "Band 1", "1.0", tooth=False),
    Code("BW", "Bitewing radiographs", "diagnostic", D("27.90"), "Band 1", "1.0", tooth=False),
    Code("SP", "Scale and polish", "preventive", D("27.90"), "Band 1", "1.0", tooth=False),
    Code("FV", "Fluoride varnish", "preventive", D("27.90"), "Band 1", "1.0", tooth=False),
    Code("F1", "Amalgam filling", "restorative", D("76.60"), "Band 2", "3.0", surfaces=True),
    Code("CF", "Composite filling", "restorative", D("76.60"), "Band 2", "3.0", surfaces=True),
    Code("RCT", "Root canal treatment", "endodontic", D("76.60"), "Band 2", "3.0"),
    Code("EXT", "Extraction", "surgical", D("76.60"), "Band 2", "3.0"),
    Code("PER", "Periodontal treatment", "periodontal", D("76.60"), "Band 2", "3.0", tooth=False),
    Code("CR", "Porcelain bonded crown", "prosthetic", D("332.10"), "Band 3", "12.0"),
    Code("BR", "Bridge", "prosthetic", D("332.10"), "Band 3", "12.0"),
    Code("DEN", "Acrylic denture", "prosthetic", D("332.10"), "Band 3", "12.0", tooth=False),
    Code("URG", "Urgent treatment", "urgent", D("27.90"), "Urgent", "1.2"),
    Code("HYG", "Hygienist visit (private)", "preventive", D("65.00"), tooth=False),
    Code("WHT", "Home whitening", "cosmetic", D("350.00"), tooth=False),
    Code("IMP", "Implant (private)", "prosthetic", D("2400.00")),
    Code("PCF", "Composite filling (private)", "restorative", D("145.00"), surfaces=True),
]
_ROLES = {"dentist": "Dentist", "hygienist": "Hygienist", "therapist": "Therapist",
          "nurse": "Dental Nurse", "receptionist": "Receptionist",
          "manager": "Practice Manager"}  # fmt: skip
_TYPES = {"exam": "Examination", "new_patient": "New Patient Exam", "hygiene": "Hygiene",
          "treatment": "Treatment", "emergency": "Emergency", "review": "Review",
          "consultation": "Consultation"}  # fmt: skip
_REFERRALS = {"search": "Google", "website": "Website", "word_of_mouth": "Word of Mouth",
              "social": "Facebook", "existing_patient": "Existing Patient", "walk_in": "NHS 111",
              "other": "Other"}  # fmt: skip
_CATEGORY = {"nhs": "NHS", "private": "Private", "plan": "Denplan", "mixed": "Mixed"}
_INSURERS = ("Bupa Dental Care", "Simplyhealth", "AXA Health")
_RELATIONSHIPS = {"mother": "Mother", "father": "Father", "spouse": "Spouse", "partner": "Partner",
                  "parent": "Mother", "sibling": "Sibling", "friend": "Friend",
                  "grandparent": "Grandparent", "child": "Son"}  # fmt: skip
_CONTACT_TYPES = {"guarantor": "Guarantor", "emergency_contact": "Emergency Contact"}
_PLAN_STATUS = {"presented": "Proposed", "accepted": "Accepted", "in_progress": "In Progress",
                "completed": "Completed", "declined": "Declined"}  # fmt: skip
_INVOICE_STATUS = {"paid": "Paid", "part_paid": "Part Paid", "issued": "Outstanding",
                   "overdue": "Overdue", "void": "Void", "written_off": "Written Off"}  # fmt: skip
_METHODS = {"cash": "Cash", "card": "Card", "cheque": "Cheque", "bank_transfer": "BACS",
            "direct_debit": "Direct Debit", "finance": "Finance", "online": "Stripe",
            "plan": "Denplan", "gocardless": "GoCardless"}  # fmt: skip
_NOTE_TYPES = {"clinical": "Clinical", "medical_history": "Medical History",
               "treatment": "Treatment Note", "correspondence": "Correspondence",
               "lab": "Lab"}  # fmt: skip
_DOC_CATEGORIES = {"radiograph": "Radiograph", "photo": "Photo", "consent_form": "Consent Form",
                   "medical_history_form": "Medical History Form",
                   "referral_letter": "Referral Letter", "correspondence": "Correspondence",
                   "treatment_plan": "Treatment Plan",
                   "insurance_card": "Insurance Card"}  # fmt: skip
_PROCEDURE_STATUS = {"planned": "Planned", "completed": "Completed", "declined": "Declined"}


def _csv(name: str, kind: str, columns: str, **fields: str) -> FileSpec:
    return FileSpec(name, kind, tuple(columns.split("|")), encoding="utf-8-sig", fields=fields)


_FILES = (
    _csv(
        "Practices.csv",
        "location",
        "Practice ID|Practice Name|Group ID|Group Name|"
        "Address Line 1|Address Line 2|Town|County|Postcode|Country|Telephone|Email|Surgeries",
    ),
    _csv(
        "Clinicians.csv",
        "staff",
        "User ID|Title|First Name|Last Name|Role|GDC Number|Email|"
        "Mobile|Practice IDs|Active|Start Date",
        identifier="GDC Number",
    ),
    _csv(
        "Patients.csv",
        "patient",
        "Patient ID|Title|First Name|Middle Name|Last Name|"
        "Preferred Name|Date of Birth|Gender|NHS Number|Address Line 1|Address Line 2|Town|"
        "County|Postcode|Country|Home Phone|Mobile Phone|Work Phone|Email|"
        "Preferred Contact Method|Marketing Consent|Practice ID|Clinician ID|Patient Type|"
        "Insurance Provider|Insurance Policy Number|Referral Source|Allergies|"
        "Medical Conditions|Medical Alert|Registered Date|Last Visit Date|Status",
        given="First Name",
        dob="Date of Birth",
        national_id="NHS Number",
        email="Email",
        medical_alert="Medical Alert",
    ),
    _csv(
        "PatientContacts.csv",
        "related_person",
        "Contact ID|Patient ID|Contact Type|"
        "Relationship|Linked Patient ID|Title|First Name|Last Name|Phone|Email|Address Line 1|"
        "Town|Postcode|Primary",
    ),
    _csv(
        "Appointments.csv",
        "appointment",
        "Appointment ID|Patient ID|Practice ID|Clinician ID|"
        "Surgery|Appointment Type|Date|Start Time|Duration (mins)|Status|Cancellation Reason|"
        "Emergency|Notes|Booked On",
        patient_id="Patient ID",
        notes="Notes",
    ),
    _csv(
        "TreatmentPlans.csv",
        "treatment_plan",
        "Plan ID|Patient ID|Clinician ID|Plan Name|"
        "Course Type|NHS Band|Status|Created Date|Accepted Date|Completed Date|Total Fee|"
        "Patient Charge|Notes",
    ),
    _csv(
        "Treatments.csv",
        "procedure",
        "Treatment ID|Plan ID|Patient ID|Appointment ID|"
        "Clinician ID|Treatment Code|Description|Tooth|Surfaces|NHS Band|Status|Date Planned|"
        "Date Completed|Fee|Invoice No",
    ),
    FileSpec(
        "TreatmentCodes.csv",
        "procedure_code",
        ("Code", "Description", "Category", "NHS Band", "Fee (£)", "UDA", "Active"),
        encoding="cp1252",
    ),
    _csv(
        "Invoices.csv",
        "invoice",
        "Invoice No|Patient ID|Bill To Contact ID|Practice ID|"
        "Clinician ID|Invoice Date|Due Date|Description|Amount|Amount Paid|Amount Due|Status|"
        "Currency",
    ),
    _csv(
        "Payments.csv",
        "payment",
        "Payment ID|Patient ID|Invoice No|Payment Date|Amount|Payment Method|Reference",
    ),
    _csv(
        "ClinicalNotes.csv",
        "clinical_note",
        "Note ID|Patient ID|Appointment ID|Clinician ID|Note Type|Created|Note",
        text="Note",
    ),
    _csv(
        "Documents.csv",
        "document",
        "Document ID|Patient ID|Category|Title|File Name|MIME Type|File Size|Uploaded|Uploaded By",
        size="File Size",
    ),
)


def _date(value: object) -> str:
    return day_first(value)  # type: ignore[arg-type]


def _stamp(value: datetime) -> str:
    return f"{day_first(value)} {hhmm(value)}"


class AeronaLayout(Layout):
    """AeronaClinic: UTF-8-BOM CSVs (fee list in cp1252), dd/MM/yyyy, Palmer teeth, NHS bands."""

    source = "aerona"
    language = "en"
    files: tuple[FileSpec, ...] = _FILES

    def __init__(self, country: Country = "GB") -> None:
        self.country = country
        self._currency = "EUR" if country == "IE" else "GBP"
        if country == "IE":  # same layout, euro fee header, no NHS
            self.files = tuple(
                FileSpec(
                    f.name,
                    f.kind,
                    tuple(c.replace("£", "€") for c in f.columns),
                    encoding=f.encoding,
                    fields=f.fields,
                )
                for f in _FILES
            )

    @property
    def ids(self) -> IdScheme:
        """Numeric ids, as Aerona's API (int64) uses."""
        return numeric_ids

    def codes(self) -> list[Code]:
        """NHS band codes plus private items (IE: private items only)."""
        return [c for c in _CODES if self.country == "GB" or c.band is None]

    def people_spec(self, as_of: date) -> PeopleSpec:
        """UK/IE patients: NHS numbers for NHS/mixed patients in GB."""
        categories = ("nhs", "nhs", "nhs", "private", "plan", "mixed")
        return PeopleSpec(
            language="en",
            national_id="nhs" if self.country == "GB" else "none",
            as_of=as_of,
            payment_categories=categories if self.country == "GB" else ("private", "plan"),
        )

    def activity_spec(self, as_of: date, kinds: frozenset[str]) -> ActivitySpec:
        """Card-heavy payments, no VAT on dental treatment."""
        return ActivitySpec(
            language="en",
            as_of=as_of,
            kinds=kinds,
            payers=(),
            payment_methods=("card",) * 6
            + (
                "cash",
                "bank_transfer",
                "direct_debit",
                "online",
                "gocardless",
                "finance",
                "cheque",
            ),
        )

    def fault_targets(self) -> FaultTargets:
        """Every Aerona CSV except the cp1252 fee list holds any Unicode."""
        text = (("notes", "text"), ("appointments", "notes"), ("patient", "medical_alert"))
        identifier: NationalId = "nhs" if self.country == "GB" else "none"
        return FaultTargets(text=text, unicode_text=text, identifier=identifier)

    def document_path(self, patient_id: str, document_id: str, extension: str) -> str:
        """`Documents/<Patient ID>/<Document ID>.<ext>`."""
        return f"Documents/{patient_id}/{document_id}.{extension}"

    def practice_rows(self, practice: Practice) -> Iterator[Row]:
        """Practices, clinicians and the fee list."""
        org = practice.organization
        country = "Ireland" if self.country == "IE" else "United Kingdom"
        for loc in practice.locations:
            a = loc.address
            row: tuple[object, ...]
            row = (loc.id, loc.name, org.id, org.name, a.line1, a.line2, a.city, a.region,
                   a.postcode, country, loc.phone, loc.email, str(loc.chairs))  # fmt: skip
            yield "Practices.csv", row, loc
        for s in practice.staff:
            row = (s.id, s.title, s.given, s.family, _ROLES[s.role], s.identifier or "", s.email,
                   s.mobile, ";".join(s.location_ids), yes_no(s.active),
                   _date(s.start_date))  # fmt: skip
            yield "Clinicians.csv", row, s
        for c in self.codes():
            row = (c.code, c.description, c.category.title(), c.band or "", plain_money(c.fee),
                   c.uda or "", "Yes")  # fmt: skip
            yield "TreatmentCodes.csv", row, c

    def bundle_rows(self, bundle: Bundle, practice: Practice) -> Iterator[Row]:
        """All rows of one patient, patient first."""
        p = bundle.patient
        a = p.address
        nhs = p.national_id or ""
        nhs_display = f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}" if len(nhs) == 10 else nhs
        insured = p.payment_category == "private" and p.number % 3 == 0
        insurer = "Denplan" if p.payment_category == "plan" else (
            _INSURERS[p.number % 3] if insured else "")  # fmt: skip
        preferred = "SMS" if p.sms_opt_in else ("Email" if p.email else "Letter")
        country = "Ireland" if self.country == "IE" else "United Kingdom"
        row: tuple[object, ...]
        row = (
            p.id, p.title, p.given, p.middle, p.family, p.preferred, _date(p.dob), p.sex.title(),
            nhs_display, a.line1, a.line2, a.city, a.region, a.postcode, country, p.home_phone,
            p.mobile, p.work_phone, p.email or "", preferred, yes_no(p.marketing_opt_in),
            p.location_id, p.practitioner_id, _CATEGORY.get(p.payment_category, "Private"),
            insurer, f"DP{p.number:08d}" if insurer else "", _REFERRALS[p.referral_source],
            ";".join(p.allergies), ";".join(p.conditions), p.medical_alert, _date(p.registered),
            _date(p.last_visit), p.status.title(),
        )  # fmt: skip
        yield "Patients.csv", row, p
        for r in bundle.related:
            row = (r.id, r.patient_id, _CONTACT_TYPES.get(r.role, "Next of Kin"),
                   _RELATIONSHIPS.get(r.relationship, "Other"), r.linked_patient_id or "",
                   r.title, r.given, r.family, r.phone, r.email or "", r.address.line1,
                   r.address.city, r.address.postcode, yes_no(r.primary))  # fmt: skip
            yield "PatientContacts.csv", row, r
        yield from self._history_rows(bundle)

    def _history_rows(self, bundle: Bundle) -> Iterator[Row]:
        for ap in bundle.appointments:
            row: tuple[object, ...]
            row = (ap.id, ap.patient_id, ap.location_id, ap.practitioner_id,
                   f"Surgery {ap.chair}", _TYPES[ap.type], _date(ap.start), hhmm(ap.start),
                   str(ap.duration), _status(ap.status, ap.variant), ap.cancel_reason,
                   yes_no(ap.type == "emergency"), ap.notes, _stamp(ap.booked_at))  # fmt: skip
            yield "Appointments.csv", row, ap
        for pl in bundle.plans:
            row = (pl.id, pl.patient_id, pl.practitioner_id, pl.name,
                   "NHS" if pl.nhs else "Private", pl.band or "", _PLAN_STATUS[pl.status],
                   _date(pl.created), _date(pl.accepted), _date(pl.completed),
                   plain_money(pl.total), plain_money(pl.patient_charge), pl.notes)  # fmt: skip
            yield "TreatmentPlans.csv", row, pl
        for pr in bundle.procedures:
            row = (pr.id, pr.plan_id or "", pr.patient_id, pr.appointment_id or "",
                   pr.practitioner_id, pr.code.code, pr.code.description, palmer(pr.tooth_fdi),
                   pr.surfaces, pr.code.band or "", _PROCEDURE_STATUS[pr.status],
                   _date(pr.planned), _date(pr.completed), plain_money(pr.fee),
                   _invoice_no(pr.invoice_id))  # fmt: skip
            yield "Treatments.csv", row, pr
        for iv in bundle.invoices:
            row = (_invoice_no(iv.id), iv.patient_id, iv.bill_to_related_id or "",
                   iv.location_id, iv.practitioner_id, _date(iv.issued), _date(iv.due),
                   iv.description, plain_money(iv.amount), plain_money(iv.paid),
                   plain_money(iv.amount - iv.paid), _INVOICE_STATUS[iv.status],
                   self._currency)  # fmt: skip
            yield "Invoices.csv", row, iv
        for pm in bundle.payments:
            row = (pm.id, pm.patient_id, _invoice_no(pm.invoice_id), _date(pm.received),
                   plain_money(pm.amount), _METHODS.get(pm.method, "Card"),
                   pm.reference)  # fmt: skip
            yield "Payments.csv", row, pm
        for nt in bundle.notes:
            row = (nt.id, nt.patient_id, nt.appointment_id or "", nt.practitioner_id,
                   _NOTE_TYPES[nt.note_type], _stamp(nt.written_at), nt.text)  # fmt: skip
            yield "ClinicalNotes.csv", row, nt
        for dc in bundle.documents:
            row = (dc.id, dc.patient_id, _DOC_CATEGORIES[dc.category], dc.title,
                   self.document_path(dc.patient_id, dc.id, dc.extension), _mime(dc.extension),
                   str(dc.size), _stamp(dc.uploaded_at), dc.uploaded_by)  # fmt: skip
            yield "Documents.csv", row, dc


def _status(status: str, variant: int) -> str:
    if status == "no_show":
        return "DNA" if variant < 65 else "FTA"
    return {
        "booked": "Booked",
        "confirmed": "Confirmed",
        "arrived": "Arrived",
        "completed": "Attended",
        "cancelled_patient": "Cancelled",
        "cancelled_practice": "Cancelled by Practice",
        "cancelled_late": "Late Cancellation",
        "rescheduled": "Rescheduled",
    }[status]


def _invoice_no(invoice_id: str | None) -> str:
    return f"INV{invoice_id}" if invoice_id else ""


def _mime(extension: str) -> str:
    return {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}[extension]
