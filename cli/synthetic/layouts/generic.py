"""Generic clinic software (US): one UTF-8 CSV per entity linked by legacy_patient_id (§4)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal

from cli.synthetic.activity import ActivitySpec
from cli.synthetic.faults import FaultTargets
from cli.synthetic.layouts.base import Layout, Row, hhmm, iso_date, plain_money, universal
from cli.synthetic.model import CENT, Bundle, Code, CustomValue, Invoice, Practice
from cli.synthetic.naming import IdScheme
from cli.synthetic.people import PeopleSpec
from cli.synthetic.sinks import FileSpec

D = Decimal
_CODES = [  # CDT-format codes with our own short descriptions (ADA text is copyrighted)
    Code("D0120", "Periodic oral evaluation", "diagnostic", D("65.00"), tooth=False),
    Code("D0150", "Comprehensive oral evaluation", "diagnostic", D("95.00"), tooth=False),
    Code("D0210", "Full mouth radiographs", "diagnostic", D("150.00"), tooth=False),
    Code("D0274", "Four bitewing radiographs", "diagnostic", D("75.00"), tooth=False),
    Code("D1110", "Adult prophylaxis", "preventive", D("110.00"), tooth=False),
    Code("D1206", "Fluoride varnish", "preventive", D("40.00"), tooth=False),
    Code("D2140", "Amalgam, one surface", "restorative", D("150.00"), surfaces=True),
    Code(
        "D2391",
        "Resin composite, one surface, posterior",
        "restorative",
        D("180.00"),
        surfaces=True,
    ),
    Code("D2740", "Porcelain/ceramic crown", "prosthetic", D("1200.00")),
    Code("D3310", "Endodontic therapy, anterior", "endodontic", D("900.00")),
    Code(
        "D4341", "Scaling and root planing, per quadrant", "periodontal", D("250.00"), tooth=False
    ),
    Code("D7140", "Extraction, erupted tooth", "surgical", D("200.00")),
    Code("D7210", "Surgical extraction", "surgical", D("350.00")),
    Code("D9110", "Palliative treatment", "urgent", D("120.00")),
]
_CATEGORY = {"diagnostic": "diagnostic", "preventive": "preventive", "restorative": "restorative",
             "prosthetic": "prosthodontics", "endodontic": "endodontics",
             "periodontal": "periodontics", "surgical": "oral_surgery",
             "urgent": "adjunctive"}  # fmt: skip
_PREFIX = {"appointment": "AP", "related_person": "RP", "treatment_plan": "TP", "procedure": "PR",
           "invoice": "IN", "payment": "PM", "clinical_note": "EN", "document": "DOC",
           "coverage": "INS", "prescription": "RX", "recall": "RC", "household": "HH"}  # fmt: skip
_ROLES = {"dentist": "Dentist", "hygienist": "Hygienist", "therapist": "Technician",
          "nurse": "Nurse", "receptionist": "Admin", "manager": "Admin"}  # fmt: skip
_USER_ROLES = {"receptionist": "front_desk", "manager": "manager"}
_TYPES = {"exam": "recall_exam", "new_patient": "new_patient", "hygiene": "cleaning",
          "treatment": "treatment", "emergency": "emergency", "review": "follow_up",
          "consultation": "consult"}  # fmt: skip
_STATUS = {"booked": "scheduled", "confirmed": "confirmed", "arrived": "checked-in",
           "completed": "completed", "cancelled_patient": "cancelled",
           "cancelled_practice": "cancelled", "cancelled_late": "cancelled", "no_show": "no-show",
           "rescheduled": "cancelled"}  # fmt: skip
_INVOICE_STATUS = {"paid": "paid", "part_paid": "partially_paid", "issued": "issued",
                   "overdue": "issued", "void": "void", "written_off": "written_off"}  # fmt: skip
_METHODS = {"cash": "cash", "card": "card", "cheque": "check", "bank_transfer": "ach",
            "insurance": "insurance"}  # fmt: skip
_REFERRALS = {"search": "google", "website": "website", "word_of_mouth": "word_of_mouth",
              "social": "facebook", "existing_patient": "word_of_mouth", "walk_in": "other",
              "other": "other"}  # fmt: skip
_DOC_CATEGORIES = {"radiograph": "imaging", "photo": "imaging", "consent_form": "consent_form",
                   "referral_letter": "referral_letter", "insurance_card": "insurance_card",
                   "correspondence": "correspondence"}  # fmt: skip
_PAYER_IDS = {"Delta Dental": "94276", "MetLife": "65978", "Cigna Dental": "62308",
              "Aetna": "60054", "Guardian": "64246", "Humana": "73288"}  # fmt: skip
_CUSTOM_FIELDS = (
    ("PreferredPharmacy", "picklist", ("CVS Pharmacy", "Walgreens", "Rite Aid", "Other")),
    ("RecallDate", "date", ()),
    ("NewsletterTopics", "multi_picklist", ("whitening", "kids", "implants", "hygiene")),
    ("NeedsPremedication", "bool", ()),
)


def _csv(name: str, kind: str, columns: str, **fields: str) -> FileSpec:
    return FileSpec(name, kind, tuple(columns.split(",")), line_end="\n", fields=fields)


_FILES = (
    _csv("locations.csv", "location", "location_id,name,parent_location_id,organization_name,"
         "organization_tax_id,address_line1,address_line2,city,state,zip,phone,email,"
         "opening_hours,active"),
    _csv("practitioners.csv", "staff", "practitioner_id,first_name,last_name,role,specialization,"
         "npi,email,phone,location_ids,user_id,active,start_date", identifier="npi"),
    _csv("users.csv", "staff", "user_id,email,first_name,last_name,role,status,last_login_at"),
    _csv("patients.csv", "patient", "legacy_patient_id,mrn,first_name,middle_name,last_name,"
         "date_of_birth,sex,email,phone_mobile,phone_home,address_line1,address_line2,city,state,"
         "zip,preferred_language,location_id,primary_practitioner_id,owner_user_id,"
         "marketing_opt_in,status,created_at,updated_at",
         given="first_name", dob="date_of_birth", email="email"),
    _csv("related_persons.csv", "related_person", "related_person_id,legacy_patient_id,"
         "related_legacy_patient_id,role,relationship,first_name,last_name,phone,email,is_primary"),
    _csv("appointments.csv", "appointment", "appointment_id,legacy_patient_id,location_id,"
         "practitioner_id,appointment_type,start_date,start_time,duration_minutes,status,"
         "cancellation_reason,notes,created_by_user_id,created_at",
         patient_id="legacy_patient_id", notes="notes"),
    _csv("encounters.csv", "encounter", "encounter_id,legacy_patient_id,appointment_id,"
         "practitioner_id,encounter_date,encounter_time,encounter_type,diagnosis_codes,note",
         text="note"),
    _csv("treatment_plans.csv", "treatment_plan", "plan_id,legacy_patient_id,practitioner_id,"
         "title,status,created_date,accepted_date,total_fee,currency"),
    _csv("procedures.csv", "procedure", "procedure_id,plan_id,legacy_patient_id,appointment_id,"
         "practitioner_id,code,description,tooth,surfaces,status,date_planned,date_completed,fee,"
         "diagnosis_code,invoice_id"),
    _csv("procedure_codes.csv", "procedure_code", "code,description,category,fee,currency,active"),
    _csv("insurance.csv", "coverage", "insurance_id,legacy_patient_id,carrier_name,payer_id,"
         "plan_name,policy_number,group_number,subscriber_id,subscriber_relationship,"
         "coverage_order,effective_date,termination_date,eligibility_status,"
         "eligibility_checked_at"),
    _csv("prescriptions.csv", "prescription", "prescription_id,legacy_patient_id,prescriber_id,"
         "written_date,medication_name,strength,dosage_form,sig,quantity,refills,is_controlled,"
         "dea_schedule,status,notes"),
    _csv("claims.csv", "claim", "claim_id,legacy_patient_id,insurance_id,claim_number,"
         "service_date,procedure_codes,diagnosis_codes,billed_amount,allowed_amount,paid_amount,"
         "adjustment_amount,patient_responsibility,status,submitted_date,adjudicated_date"),
    _csv("invoices.csv", "invoice", "invoice_id,invoice_number,legacy_patient_id,"
         "bill_to_related_person_id,location_id,issue_date,due_date,total,amount_paid,balance,"
         "currency,status"),
    _csv("payments.csv", "payment", "payment_id,legacy_patient_id,invoice_id,payment_date,amount,"
         "method,reference"),
    _csv("referrals.csv", "referral", "referral_id,legacy_patient_id,direction,referral_date,"
         "referral_source,referral_type,referred_by_name,referred_by_organization,referred_to,"
         "reason,status"),
    _csv("documents.csv", "document", "document_id,legacy_patient_id,category,title,file_name,"
         "mime_type,size_bytes,uploaded_at,uploaded_by_user_id", size="size_bytes"),
    FileSpec("custom_field_definitions.json", "custom_field",
             ("key", "label", "entity", "data_type", "options"), format="json"),
    FileSpec("custom_fields.jsonl", "custom_field", ("legacy_patient_id", "fields"),
             format="jsonl"),
)  # fmt: skip


def generic_ids(kind: str, number: int, seq: int | None = None) -> str:
    """`LP0000123` for patients, `AP0000123-04` for their 4th appointment, `PRV-0007` staff."""
    if kind == "patient":
        return f"LP{number:07d}"
    if kind == "staff":
        return f"PRV-{number:04d}"
    if kind in ("location", "organization"):
        return f"{'LOC' if kind == 'location' else 'ORG'}-{number:02d}"
    if seq is None:
        return f"{_PREFIX.get(kind, kind[:2].upper())}{number:07d}"
    return f"{_PREFIX.get(kind, kind[:2].upper())}{number:07d}-{seq:02d}"


def _history_kinds(kinds: frozenset[str]) -> frozenset[str]:
    """Encounters are written from clinical notes; claims need the patient's coverage."""
    extra = {"clinical_note"} if "encounter" in kinds else set()
    if "claim" in kinds:
        extra |= {"coverage", "invoice", "procedure"}
    return kinds | extra


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _stamp(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S") if value else ""


def _user_id(staff_id: str) -> str:
    return "USR-" + staff_id.removeprefix("PRV-")


class GenericLayout(Layout):
    """A US clinic's entity CSVs: ISO dates, true/false, Universal teeth, CDT codes, NPI."""

    source = "generic"
    country = "US"
    language = "en"
    files: tuple[FileSpec, ...] = _FILES

    @property
    def ids(self) -> IdScheme:
        """Prefixed ids (`LP0000123`), like odontox's legacy ids."""
        return generic_ids

    def codes(self) -> list[Code]:
        """CDT-format catalogue in USD."""
        return list(_CODES)

    def people_spec(self, as_of: date) -> PeopleSpec:
        """US patients: no national id in the export."""
        return PeopleSpec(
            language="en", national_id="none", as_of=as_of, payment_categories=("insured",)
        )

    def activity_spec(self, as_of: date, kinds: frozenset[str]) -> ActivitySpec:
        """Insurance-heavy payments, custom fields, prescriptions."""
        return ActivitySpec(
            language="en",
            as_of=as_of,
            kinds=_history_kinds(kinds),
            payers=("Delta Dental", "MetLife", "Cigna Dental", "Aetna", "Guardian", "Humana"),
            payment_methods=("card",) * 4
            + ("insurance",) * 3
            + ("cash", "cheque", "bank_transfer"),
            custom_fields=_CUSTOM_FIELDS,
        )

    def fault_targets(self) -> FaultTargets:
        """UTF-8 everywhere; no patient identifier, so NPIs carry the invalid_identifier fault."""
        text = (("notes", "text"), ("appointments", "notes"))
        return FaultTargets(text=text, unicode_text=text, identifier="none")

    def document_path(self, patient_id: str, document_id: str, extension: str) -> str:
        """`documents/<legacy_patient_id>/<document_id>.<ext>`."""
        return f"documents/{patient_id}/{document_id}.{extension}"

    def practice_rows(self, practice: Practice) -> Iterator[Row]:
        """Locations, practitioners, users, the code list and the custom-field definitions."""
        org = practice.organization
        for loc in practice.locations:
            a = loc.address
            row: tuple[object, ...]
            row = (loc.id, loc.name, loc.parent_id or "", org.name, org.tax_id, a.line1, a.line2,
                   a.city, a.region, a.postcode, loc.phone, loc.email, "Mon-Fri 08:00-17:00",
                   "true")  # fmt: skip
            yield "locations.csv", row, loc
        for s in practice.staff:
            user = _user_id(s.id)
            if s.role not in ("receptionist", "manager"):
                row = (s.id, s.given, s.family, _ROLES[s.role], s.specialty or "",
                       s.identifier or "", s.email, s.mobile, "|".join(s.location_ids), user,
                       _bool(s.active), iso_date(s.start_date))  # fmt: skip
                yield "practitioners.csv", row, s
            row = (user, s.email, s.given, s.family, _USER_ROLES.get(s.role, "clinician"),
                   "active" if s.active else "inactive",
                   f"{iso_date(s.start_date)}T08:12:00")  # fmt: skip
            yield "users.csv", row, None
        for c in _CODES:
            yield "procedure_codes.csv", (c.code, c.description, _CATEGORY[c.category],
                                          plain_money(c.fee), "USD", "true"), c  # fmt: skip
        for key, data_type, options in _CUSTOM_FIELDS:
            row = (key, _label(key), "patient", data_type, list(options))
            yield "custom_field_definitions.json", row, None

    def bundle_rows(self, bundle: Bundle, practice: Practice) -> Iterator[Row]:
        """All rows of one patient, patient first."""
        p = bundle.patient
        a = p.address
        created = datetime.combine(p.registered, datetime.min.time()).replace(hour=9)
        row: tuple[object, ...]
        row = (p.id, f"MRN{p.number:08d}", p.given, p.middle, p.family, iso_date(p.dob),
               "F" if p.sex == "female" else "M", p.email or "", p.mobile, p.home_phone, a.line1,
               a.line2, a.city, a.region, a.postcode, "es" if p.number % 9 == 0 else "en",
               p.location_id, p.practitioner_id, _user_id(p.practitioner_id),
               _bool(p.marketing_opt_in), "deceased" if p.status == "deceased" else (
                   "active" if p.status == "active" else "inactive"),
               _stamp(created), _stamp(created))  # fmt: skip
        yield "patients.csv", row, p
        for r in bundle.related:
            row = (r.id, r.patient_id, r.linked_patient_id or "", r.role, r.relationship,
                   r.given, r.family, r.phone, r.email or "", _bool(r.primary))  # fmt: skip
            yield "related_persons.csv", row, r
        if bundle.custom:
            yield "custom_fields.jsonl", (p.id, _custom_json(bundle.custom)), None
        yield from self._visit_rows(bundle)
        yield from self._billing_rows(bundle)

    def _visit_rows(self, bundle: Bundle) -> Iterator[Row]:
        for ap in bundle.appointments:
            row: tuple[object, ...]
            row = (ap.id, ap.patient_id, ap.location_id, ap.practitioner_id, _TYPES[ap.type],
                   iso_date(ap.start), hhmm(ap.start), str(ap.duration), _STATUS[ap.status],
                   ap.cancel_reason, ap.notes, _user_id(ap.practitioner_id),
                   _stamp(ap.booked_at))  # fmt: skip
            yield "appointments.csv", row, ap
        diagnoses: dict[str | None, list[str]] = {}
        for pr in bundle.procedures:
            if pr.diagnosis:
                diagnoses.setdefault(pr.appointment_id, []).append(pr.diagnosis)
        for nt in bundle.notes:
            kind = "procedure" if diagnoses.get(nt.appointment_id) else "office_visit"
            row = (nt.id, nt.patient_id, nt.appointment_id or "", nt.practitioner_id,
                   iso_date(nt.written_at), hhmm(nt.written_at), kind,
                   "|".join(sorted(set(diagnoses.get(nt.appointment_id, [])))),
                   nt.text)  # fmt: skip
            yield "encounters.csv", row, nt
        for pl in bundle.plans:
            row = (pl.id, pl.patient_id, pl.practitioner_id, pl.name, pl.status,
                   iso_date(pl.created), iso_date(pl.accepted), plain_money(pl.total),
                   "USD")  # fmt: skip
            yield "treatment_plans.csv", row, pl
        for pr in bundle.procedures:
            row = (pr.id, pr.plan_id or "", pr.patient_id, pr.appointment_id or "",
                   pr.practitioner_id, pr.code.code, pr.code.description, universal(pr.tooth_fdi),
                   pr.surfaces, pr.status, iso_date(pr.planned), iso_date(pr.completed),
                   plain_money(pr.fee), pr.diagnosis or "", pr.invoice_id or "")  # fmt: skip
            yield "procedures.csv", row, pr
        for rx in bundle.prescriptions:
            row = (rx.id, rx.patient_id, rx.prescriber_id, iso_date(rx.written), rx.drug,
                   rx.strength, rx.form, rx.sig, str(rx.quantity), str(rx.refills),
                   _bool(rx.controlled_schedule is not None), rx.controlled_schedule or "",
                   rx.status, "")  # fmt: skip
            yield "prescriptions.csv", row, rx
        yield from self._referral_rows(bundle)

    def _referral_rows(self, bundle: Bundle) -> Iterator[Row]:
        p = bundle.patient
        if p.number % 4 == 0:  # a quarter of patients have an inbound referral on file
            source = _REFERRALS[p.referral_source]
            row: tuple[object, ...]
            row = (generic_ids("referral", p.number, 1), p.id, "inbound", iso_date(p.registered),
                   source, "self" if source != "other" else "marketing", "", "", "", "",
                   "completed")  # fmt: skip
            yield "referrals.csv", row, None
        for seq, pr in enumerate((x for x in bundle.procedures if x.code.code == "D7210"), 2):
            row = (generic_ids("referral", p.number, seq), p.id, "outbound",
                   iso_date(pr.planned), "physician", "clinician", "", "",
                   "Oral Surgery Associates", "Surgical extraction", "scheduled")  # fmt: skip
            yield "referrals.csv", row, None

    def _billing_rows(self, bundle: Bundle) -> Iterator[Row]:
        for cv in bundle.coverages:
            row: tuple[object, ...]
            row = (cv.id, cv.patient_id, cv.payer, _PAYER_IDS.get(cv.payer, "00000"),
                   "PPO", cv.member_id, cv.group_number, cv.member_id, cv.relationship,
                   str(cv.order), iso_date(cv.start), iso_date(cv.end),
                   "inactive" if cv.end else "active", "")  # fmt: skip
            yield "insurance.csv", row, cv
        coverage = bundle.coverages[0] if bundle.coverages else None
        for seq, iv in enumerate(bundle.invoices, start=1):
            row = (iv.id, f"INV-{iv.id}", iv.patient_id, iv.bill_to_related_id or "",
                   iv.location_id, iso_date(iv.issued), iso_date(iv.due), plain_money(iv.amount),
                   plain_money(iv.paid), plain_money(iv.amount - iv.paid), "USD",
                   _INVOICE_STATUS[iv.status])  # fmt: skip
            yield "invoices.csv", row, iv
            if coverage is not None:
                yield "claims.csv", _claim_row(bundle, iv, coverage.id, seq), None
        for pm in bundle.payments:
            row = (pm.id, pm.patient_id, pm.invoice_id, iso_date(pm.received),
                   plain_money(pm.amount), _METHODS.get(pm.method, "other"),
                   pm.reference)  # fmt: skip
            yield "payments.csv", row, pm
        for dc in bundle.documents:
            row = (dc.id, dc.patient_id, _DOC_CATEGORIES.get(dc.category, "other"), dc.title,
                   self.document_path(dc.patient_id, dc.id, dc.extension),
                   {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}[
                       dc.extension], str(dc.size), _stamp(dc.uploaded_at),
                   _user_id(dc.uploaded_by))  # fmt: skip
            yield "documents.csv", row, dc


def _claim_row(bundle: Bundle, invoice: Invoice, coverage_id: str, seq: int) -> tuple[str, ...]:
    lines = [p for p in bundle.procedures if p.invoice_id == invoice.id]
    allowed = (invoice.amount * D("0.85")).quantize(CENT)
    paid = (allowed * D("0.8")).quantize(CENT) if invoice.status in ("paid", "part_paid") else D(0)
    status = "paid" if paid else ("denied" if invoice.status == "void" else "submitted")
    return (
        generic_ids("claim", bundle.patient.number, seq), invoice.patient_id, coverage_id,
        f"CLM{bundle.patient.number:07d}{seq:02d}", iso_date(invoice.issued),
        "|".join(p.code.code for p in lines),
        "|".join(sorted({p.diagnosis for p in lines if p.diagnosis})), plain_money(invoice.amount),
        plain_money(allowed), plain_money(paid), plain_money(invoice.amount - allowed),
        plain_money(allowed - paid), status, iso_date(invoice.issued),
        iso_date(invoice.due) if paid else "",
    )  # fmt: skip


def _custom_json(values: list[CustomValue]) -> dict[str, object]:
    fields: dict[str, object] = {}
    for value in values:
        raw = value.value
        fields[value.key] = (
            iso_date(raw) if isinstance(raw, date) else float(raw) if isinstance(raw, D) else raw
        )
    return fields


def _label(key: str) -> str:
    words = "".join(f" {c.lower()}" if c.isupper() else c for c in key).strip()
    return words[:1].upper() + words[1:]
