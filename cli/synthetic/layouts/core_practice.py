"""Core Practice (Australia): XLSX reports with a title block, as mappings/sources/README.md §3."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal

from cli.synthetic.activity import ActivitySpec
from cli.synthetic.faults import FaultTargets
from cli.synthetic.layouts.base import Layout, Row, excel_date, yes_no
from cli.synthetic.model import Bundle, Code, Practice, Staff
from cli.synthetic.naming import IdScheme, numeric_ids
from cli.synthetic.people import PeopleSpec
from cli.synthetic.sinks import FileSpec

D = Decimal
_CODES = [  # ADA Australian Schedule item numbers (three digits, text); our own short wording
    Code("011", "Comprehensive oral examination", "diagnostic", D("95.00"), tooth=False),
    Code("012", "Periodic oral examination", "diagnostic", D("65.00"), tooth=False),
    Code("013", "Limited oral examination", "diagnostic", D("60.00"), tooth=False),
    Code("022", "Intraoral radiograph", "diagnostic", D("45.00")),
    Code("037", "Panoramic radiograph", "diagnostic", D("110.00"), tooth=False),
    Code("114", "Removal of calculus", "preventive", D("140.00"), tooth=False),
    Code("121", "Topical fluoride", "preventive", D("45.00"), tooth=False),
    Code("161", "Fissure sealing", "preventive", D("70.00")),
    Code("222", "Periodontal debridement", "periodontal", D("210.00"), tooth=False),
    Code("311", "Removal of a tooth", "surgical", D("230.00")),
    Code("322", "Surgical removal of a tooth", "surgical", D("450.00")),
    Code("415", "Root canal preparation, one canal", "endodontic", D("480.00")),
    Code(
        "531",
        "Adhesive restoration, one surface, posterior",
        "restorative",
        D("190.00"),
        surfaces=True,
    ),
    Code(
        "532",
        "Adhesive restoration, two surfaces, posterior",
        "restorative",
        D("240.00"),
        surfaces=True,
    ),
    Code("615", "Full crown, veneered", "prosthetic", D("1650.00")),
    Code("711", "Complete maxillary denture", "prosthetic", D("1900.00"), tooth=False),
    Code("915", "Palliative care", "urgent", D("120.00")),
]
_CATEGORY = {"diagnostic": "Diagnostic", "preventive": "Preventive", "periodontal": "Periodontics",
             "surgical": "Oral Surgery", "endodontic": "Endodontics", "restorative": "Restorative",
             "prosthetic": "Prosthodontics", "urgent": "General"}  # fmt: skip
_ROLES = {"dentist": "Dentist", "hygienist": "Hygienist", "therapist": "Oral Health Therapist",
          "nurse": "Dental Assistant", "receptionist": "Receptionist",
          "manager": "Practice Manager"}  # fmt: skip
_TYPES = {"exam": "Check-up & Clean", "new_patient": "Consultation", "hygiene": "Check-up & Clean",
          "treatment": "Restorative", "emergency": "Emergency", "review": "Consultation",
          "consultation": "Consultation"}  # fmt: skip
_STATUS = {"booked": "Booked", "confirmed": "Confirmed", "arrived": "Arrived",
           "completed": "Completed", "cancelled_patient": "Cancelled",
           "cancelled_practice": "Cancelled", "cancelled_late": "Short Notice Cancellation",
           "no_show": "Failed To Attend", "rescheduled": "Cancelled"}  # fmt: skip
_RELATIONSHIPS = {"mother": "Mother", "father": "Father", "parent": "Parent", "spouse": "Spouse",
                  "partner": "Partner", "sibling": "Sibling", "friend": "Friend"}  # fmt: skip
_PLAN_STATUS = {"presented": "Proposed", "accepted": "Accepted", "in_progress": "In Progress",
                "completed": "Completed", "declined": "Declined"}  # fmt: skip
_PROCEDURE_STATUS = {"planned": "Planned", "completed": "Completed", "declined": "Declined"}
_INVOICE_STATUS = {"paid": "Paid", "part_paid": "Part Paid", "issued": "Unpaid",
                   "overdue": "Unpaid", "void": "Cancelled",
                   "written_off": "Written Off"}  # fmt: skip
_METHOD_COLUMNS = ("cash", "eftpos", "hicaps", "medicare", "direct")
_METHODS = {"cash": "cash", "card": "eftpos", "insurance": "hicaps", "medicare": "medicare"}
_NOTE_TYPES = {"clinical": "Clinical Note", "treatment": "Treatment Note",
               "medical_history": "Medical History", "correspondence": "Phone Call",
               "lab": "Lab"}  # fmt: skip
_DOC_CATEGORIES = {"radiograph": "X-Ray", "photo": "Photo", "consent_form": "Consent Form",
                   "referral_letter": "Referral Letter",
                   "correspondence": "Correspondence"}  # fmt: skip
_GENDER = {"female": "Female", "male": "Male"}


def _report(
    name: str, sheet: str, kind: str, columns: str, totals: str = "", **fields: str
) -> FileSpec:
    return FileSpec(
        name,
        kind,
        tuple(columns.split("|")),
        format="xlsx",
        sheet=sheet,
        title=_title(name),
        totals=tuple(totals.split("|")) if totals else (),
        fields=fields,
    )


def _title(file_name: str) -> str:
    """`PatientListReport.xlsx` -> `Patient List Report` (the title row readers detect)."""
    words, word = [], ""
    for char in file_name.removesuffix(".xlsx"):
        if char.isupper() and word:
            words.append(word)
            word = ""
        word += char
    return " ".join([*words, word])


_FILES = (
    _report(
        "LocationListReport.xlsx",
        "Locations",
        "location",
        "Location ID|Location Name|Organisation|ABN|Parent Location ID|Address|Suburb|State|"
        "Postcode|Phone|Email|Chairs",
    ),
    _report(
        "ProviderListReport.xlsx",
        "Providers",
        "staff",
        "Provider ID|Provider|Title|Role|AHPRA Number|Email|Mobile|Locations|Status",
    ),
    _report(
        "PatientListReport.xlsx",
        "Patients",
        "patient",
        "Patient ID|Patient|Title|Preferred Name|Date of Birth|Gender|Medicare Number|"
        "Medicare IRN|Medicare Expiry|Address|Suburb|State|Postcode|Home Phone|Mobile|"
        "Work Phone|Email|SMS Reminders|Email Marketing|Location ID|Provider ID|"
        "Account Holder ID|Emergency Contact|Emergency Phone|Emergency Relationship|"
        "Referring Practice|Medical Alerts|Status|First Visit|Last Visit",
        given="Patient",
        dob="Date of Birth",
        national_id="Medicare Number",
        email="Email",
        medical_alert="Medical Alerts",
    ),
    _report(
        "PatientHealthFundReport.xlsx",
        "Health Funds",
        "coverage",
        "Health Fund ID|Patient ID|Health Fund|Membership Number|Card Position|Cover Type|"
        "Primary|Start Date|End Date",
    ),
    _report(
        "AppointmentReport.xlsx",
        "Appointments",
        "appointment",
        "Appointment ID|Patient ID|Patient|Location ID|Provider ID|Provider|Chair|"
        "Appointment Type|Start|End|Duration (min)|Status|Notes",
        patient_id="Patient ID",
        notes="Notes",
    ),
    _report(
        "TreatmentPlanReport.xlsx",
        "Treatment Plans",
        "treatment_plan",
        "Plan ID|Patient ID|Provider ID|Plan Name|Created|Status|Accepted|Expiry|Total Fee|"
        "Health Fund Estimate|Gap",
    ),
    _report(
        "TreatmentReport.xlsx",
        "Treatments",
        "procedure",
        "Treatment ID|Plan ID|Patient ID|Appointment ID|Provider ID|Item Number|Description|"
        "Tooth|Surfaces|Status|Date Planned|Date Completed|Fee|Health Fund Estimate|"
        "Invoice Number",
    ),
    _report(
        "FeeScheduleReport.xlsx",
        "Fee Schedule",
        "procedure_code",
        "Item Number|Description|Category|Fee Schedule|Fee|Active",
    ),
    _report(
        "InvoiceCreatedReport.xlsx",
        "Invoices",
        "invoice",
        "Invoice Number|Invoice Date|Patient ID|Patient|Account Holder ID|Provider|Location ID|"
        "Description|Amount|GST|Paid|Outstanding|Status",
        totals="Amount|GST|Paid|Outstanding",
    ),
    _report(
        "PaymentReceivedReport.xlsx",
        "Payments",
        "payment",
        "Receipt Number|Payment Date|Patient ID|Patient|Invoice Number|Cash|EFTPOS|HICAPS|"
        "Medicare|Direct|Total|Reference",
        totals="Cash|EFTPOS|HICAPS|Medicare|Direct|Total",
    ),
    _report(
        "ClinicalNotesReport.xlsx",
        "Clinical Notes",
        "clinical_note",
        "Note ID|Patient ID|Provider ID|Created|Note Type|Note",
        text="Note",
    ),
    _report(
        "AttachmentReport.xlsx",
        "Attachments",
        "document",
        "Attachment ID|Patient ID|Category|Description|File Name|Content Type|Size (bytes)|"
        "Uploaded|Uploaded By",
        size="Size (bytes)",
    ),
)


def _name(family: str, given: str) -> str:
    return f"{family}, {given}"


class CorePracticeLayout(Layout):
    """Core Practice: typed XLSX cells, `Last, First` names, FDI teeth, ADA items as text."""

    source = "core_practice"
    country = "AU"
    language = "en"
    files: tuple[FileSpec, ...] = _FILES

    @property
    def ids(self) -> IdScheme:
        """Numeric ids."""
        return numeric_ids

    def codes(self) -> list[Code]:
        """ADA item numbers with the practice's standard fees (AUD)."""
        return list(_CODES)

    def people_spec(self, as_of: date) -> PeopleSpec:
        """Australians with Medicare cards."""
        return PeopleSpec(
            language="en",
            national_id="medicare",
            as_of=as_of,
            payment_categories=("private", "insured", "insured", "public_scheme"),
        )

    def activity_spec(self, as_of: date, kinds: frozenset[str]) -> ActivitySpec:
        """EFTPOS and HICAPS heavy; dental care is GST-free."""
        return ActivitySpec(
            language="en",
            as_of=as_of,
            kinds=kinds,
            payers=("Bupa", "Medibank", "HCF", "nib", "HBF", "Australian Unity", "CDBS", "DVA"),
            payment_methods=("card",) * 4 + ("insurance",) * 3 + ("cash", "medicare", "direct"),
        )

    def fault_targets(self) -> FaultTargets:
        """XLSX holds any Unicode."""
        text = (("notes", "text"), ("appointments", "notes"), ("patient", "medical_alert"))
        return FaultTargets(text=text, unicode_text=text, identifier="medicare")

    def document_path(self, patient_id: str, document_id: str, extension: str) -> str:
        """`Attachments/<Patient ID>/<Attachment ID>.<ext>`."""
        return f"Attachments/{patient_id}/{document_id}.{extension}"

    def subtitle(self, practice: Practice, generated: datetime) -> str:
        """`<Organisation> — generated d/MM/yyyy HH:mm`."""
        stamp = f"{generated.day}/{generated.month:02d}/{generated.year} {generated:%H:%M}"
        return f"{practice.organization.name} — generated {stamp}"

    def practice_rows(self, practice: Practice) -> Iterator[Row]:
        """Locations, providers and the fee schedule."""
        org = practice.organization
        for loc in practice.locations:
            a = loc.address
            row: tuple[object, ...]
            row = (loc.id, loc.name, org.name, org.tax_id, loc.parent_id, a.line1, a.city,
                   a.region, a.postcode, loc.phone, loc.email, loc.chairs)  # fmt: skip
            yield "LocationListReport.xlsx", row, loc
        for s in practice.staff:
            row = (s.id, _name(s.family, s.given), s.title, _ROLES[s.role], s.identifier,
                   s.email, s.mobile, ";".join(s.location_ids),
                   "Active" if s.active else "Inactive")  # fmt: skip
            yield "ProviderListReport.xlsx", row, s
        for c in _CODES:
            row = (c.code, c.description, _CATEGORY[c.category], "Standard", c.fee, "Yes")
            yield "FeeScheduleReport.xlsx", row, c

    def bundle_rows(self, bundle: Bundle, practice: Practice) -> Iterator[Row]:
        """All rows of one patient, patient first."""
        p = bundle.patient
        a = p.address
        e = p.emergency
        expiry = p.national_id_expiry
        row: tuple[object, ...]
        row = (
            p.id, _name(p.family, p.given), p.title, p.preferred, excel_date(p.dob),
            _GENDER[p.sex], p.national_id, p.national_id_irn,
            f"{expiry.month:02d}/{expiry.year}" if expiry else None, a.line1, a.city, a.region,
            a.postcode, p.home_phone, p.mobile, p.work_phone, p.email, yes_no(p.sms_opt_in),
            yes_no(p.marketing_opt_in), p.location_id, p.practitioner_id, p.guarantor_id,
            f"{e.given} {e.family}" if e else None, e.phone if e else None,
            _RELATIONSHIPS.get(e.relationship, "Other") if e else None,
            "Northside Family Dental" if p.referral_source == "existing_patient" else None,
            p.medical_alert, "Deceased" if p.status == "deceased" else (
                "Active" if p.status == "active" else "Inactive"),
            p.registered, p.last_visit,
        )  # fmt: skip
        yield "PatientListReport.xlsx", row, p
        for cv in bundle.coverages:
            row = (cv.id, cv.patient_id, cv.payer, cv.member_id, f"{cv.order:02d}",
                   "Hospital and Extras" if cv.cover_type == "hospital_extras" else "Extras",
                   yes_no(cv.order == 1), cv.start, cv.end)  # fmt: skip
            yield "PatientHealthFundReport.xlsx", row, cv
        yield from self._history_rows(bundle, {s.id: s for s in practice.staff})

    def _history_rows(self, bundle: Bundle, staff: dict[str, Staff]) -> Iterator[Row]:
        p = bundle.patient
        patient_name = _name(p.family, p.given)
        for ap in bundle.appointments:
            provider = staff[ap.practitioner_id]
            row: tuple[object, ...]
            row = (ap.id, ap.patient_id, patient_name if ap.patient_id == p.id else None,
                   ap.location_id, ap.practitioner_id, _name(provider.family, provider.given),
                   f"Chair {ap.chair}", _TYPES[ap.type], ap.start,
                   ap.start + timedelta(minutes=ap.duration), ap.duration, _STATUS[ap.status],
                   ap.notes)  # fmt: skip
            yield "AppointmentReport.xlsx", row, ap
        for pl in bundle.plans:
            estimate = sum((x.insurance_estimate for x in bundle.procedures
                            if x.plan_id == pl.id), D("0"))  # fmt: skip
            row = (pl.id, pl.patient_id, pl.practitioner_id, pl.name, pl.created,
                   _PLAN_STATUS[pl.status], pl.accepted, pl.created + timedelta(days=180),
                   pl.total, estimate, pl.total - estimate)  # fmt: skip
            yield "TreatmentPlanReport.xlsx", row, pl
        for pr in bundle.procedures:
            row = (pr.id, pr.plan_id, pr.patient_id, pr.appointment_id, pr.practitioner_id,
                   pr.code.code, pr.code.description, pr.tooth_fdi, pr.surfaces,
                   _PROCEDURE_STATUS[pr.status], pr.planned, pr.completed, pr.fee,
                   pr.insurance_estimate, pr.invoice_id)  # fmt: skip
            yield "TreatmentReport.xlsx", row, pr
        yield from self._billing_rows(bundle, staff, patient_name)

    def _billing_rows(
        self, bundle: Bundle, staff: dict[str, Staff], patient_name: str
    ) -> Iterator[Row]:
        for iv in bundle.invoices:
            provider = staff[iv.practitioner_id]
            row: tuple[object, ...]
            row = (iv.id, iv.issued, iv.patient_id, patient_name, iv.bill_to_patient_id,
                   _name(provider.family, provider.given), iv.location_id, iv.description,
                   iv.amount, iv.tax, iv.paid, iv.amount - iv.paid,
                   _INVOICE_STATUS[iv.status])  # fmt: skip
            yield "InvoiceCreatedReport.xlsx", row, iv
        for pm in bundle.payments:
            column = _METHODS.get(pm.method, "direct")
            amounts = [pm.amount if c == column else None for c in _METHOD_COLUMNS]
            row = (pm.id, pm.received, pm.patient_id, patient_name, pm.invoice_id, *amounts,
                   pm.amount, pm.reference)  # fmt: skip
            yield "PaymentReceivedReport.xlsx", row, pm
        for nt in bundle.notes:
            row = (nt.id, nt.patient_id, nt.practitioner_id, nt.written_at,
                   _NOTE_TYPES[nt.note_type], nt.text)  # fmt: skip
            yield "ClinicalNotesReport.xlsx", row, nt
        for dc in bundle.documents:
            row = (dc.id, dc.patient_id, _DOC_CATEGORIES.get(dc.category, "Other"), dc.title,
                   self.document_path(dc.patient_id, dc.id, dc.extension),
                   {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}[
                       dc.extension], dc.size, dc.uploaded_at, dc.uploaded_by)  # fmt: skip
            yield "AttachmentReport.xlsx", row, dc
