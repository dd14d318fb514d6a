"""A patient's history at the practice: appointments, treatment, billing, notes and documents.

Only the object kinds a run asks for are drawn, so a patients+appointments benchmark does not pay
for invoices. All records of a patient come from one `random.Random` seeded by the patient number.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from cli.synthetic.billing import bill_patient
from cli.synthetic.model import (
    CENT,
    Appointment,
    Bundle,
    Code,
    Document,
    Note,
    Practice,
    Procedure,
    TreatmentPlan,
)
from cli.synthetic.naming import IdScheme
from cli.synthetic.records import (
    add_coverage,
    add_custom_fields,
    add_prescription,
    add_recalls,
)
from cli.synthetic.vocab import (
    APPOINTMENT_NOTES,
    CANCEL_REASONS,
    DOCUMENT_TITLES,
    NOTE_SENTENCES,
    PLAN_NAMES,
    Language,
)

_PAST_STATUS = (
    ("completed", 74),
    ("no_show", 8),
    ("cancelled_patient", 9),
    ("cancelled_practice", 3),
    ("cancelled_late", 3),
    ("rescheduled", 3),
)
_FUTURE_STATUS = (("booked", 55), ("confirmed", 40), ("cancelled_patient", 5))
_TYPES = (
    ("exam", 30, 20),
    ("hygiene", 22, 30),
    ("treatment", 28, 45),
    ("review", 8, 15),
    ("emergency", 6, 20),
    ("consultation", 6, 30),
)
_BAND_RANK = {"Urgent": 0, "Band 1": 1, "Band 2": 2, "Band 3": 3}
_PERMANENT = [f"{q}{t}" for q in "1234" for t in range(1, 9)]
_SURFACES = ["M", "O", "D", "B", "L", "MO", "DO", "MOD", "OB", "OL"]
_DOCUMENT_KINDS = (
    ("radiograph", "jpg"),
    ("photo", "jpg"),
    ("consent_form", "pdf"),
    ("medical_history_form", "pdf"),
    ("referral_letter", "pdf"),
    ("correspondence", "pdf"),
    ("treatment_plan", "pdf"),
    ("insurance_card", "png"),
)


@dataclass(frozen=True)
class ActivitySpec:
    """Source facts the history depends on."""

    language: Language
    as_of: date
    kinds: frozenset[str]
    payers: tuple[str, ...]
    payment_methods: tuple[str, ...]  # weighted by repetition
    tax_rate: Decimal = Decimal("0")
    refunds: bool = False  # the source records refunds as negative payments (Dr.DENTES)
    custom_fields: tuple[tuple[str, str, tuple[str, ...]], ...] = ()  # key, type, options


def fill_history(
    rng: random.Random, bundle: Bundle, spec: ActivitySpec, practice: Practice, ids: IdScheme
) -> None:
    """Add the patient's records of every requested kind to `bundle`, in place."""
    patient = bundle.patient
    kinds = spec.kinds
    if "appointment" in kinds or "procedure" in kinds or "invoice" in kinds:
        _appointments(rng, bundle, spec, practice, ids)
    if "procedure" in kinds or "treatment_plan" in kinds or "invoice" in kinds:
        _treatment(rng, bundle, spec, practice, ids)
    if "invoice" in kinds or "payment" in kinds:
        bill_patient(rng, bundle, spec, ids)
    if "clinical_note" in kinds:
        for appointment in bundle.appointments:
            if appointment.status == "completed" and rng.random() < 0.5:
                add_note(rng, bundle, spec.language, ids, appointment)
    if "document" in kinds:
        for _ in range(rng.choice((0, 0, 1, 1, 1, 2, 3))):
            add_document(rng, bundle, spec.language, ids, spec.as_of)
    if "recall" in kinds and patient.status == "active":
        add_recalls(rng, bundle, spec, ids)
    if "coverage" in kinds and spec.payers and rng.random() < 0.45:
        add_coverage(rng, bundle, spec, ids)
    if "custom_field" in kinds:
        add_custom_fields(rng, bundle, spec)
    if "prescription" in kinds and rng.random() < 0.2:
        add_prescription(rng, bundle, spec, ids)
    visits = [a.start.date() for a in bundle.appointments if a.status == "completed"]
    patient.last_visit = max(visits) if visits else None


def add_note(
    rng: random.Random,
    bundle: Bundle,
    language: Language,
    ids: IdScheme,
    appointment: Appointment | None,
) -> Note:
    """A clinical note (2-3 sentences), attached to an appointment when there is one."""
    patient = bundle.patient
    tooth = rng.choice(_PERMANENT)
    treatment = rng.choice(bundle.procedures).code.description if bundle.procedures else ""
    sentences = rng.sample(NOTE_SENTENCES[language], k=rng.randint(2, 3))
    text = "\n".join(s.format(tooth=tooth, treatment=treatment or "OHI").strip() for s in sentences)
    written = (
        appointment.start + timedelta(minutes=appointment.duration)
        if appointment
        else (datetime.combine(patient.registered, time(9, 0)) + timedelta(days=rng.randrange(30)))
    )
    note = Note(
        id=ids("clinical_note", patient.number, len(bundle.notes) + 1),
        patient_id=patient.id,
        appointment_id=appointment.id if appointment else None,
        practitioner_id=appointment.practitioner_id if appointment else patient.practitioner_id,
        written_at=written,
        note_type=rng.choices(("clinical", "treatment", "medical_history", "lab"), (6, 3, 1, 1))[0],
        text=text,
        tooth_fdi=tooth if "{tooth}" in "".join(sentences) else None,
    )
    bundle.notes.append(note)
    return note


def add_document(
    rng: random.Random, bundle: Bundle, language: Language, ids: IdScheme, as_of: date
) -> Document:
    """An index row for a small real file (the generator writes the bytes)."""
    patient = bundle.patient
    category, extension = rng.choice(_DOCUMENT_KINDS)
    uploaded = datetime.combine(patient.registered, time(8, 30)) + timedelta(
        minutes=rng.randrange(max(1, (as_of - patient.registered).days) * 1440)
    )
    document = Document(
        id=ids("document", patient.number, len(bundle.documents) + 1),
        patient_id=patient.id,
        category=category,
        title=DOCUMENT_TITLES[category][language],
        extension=extension,
        size=0,
        uploaded_at=uploaded.replace(second=0, microsecond=0),
        uploaded_by=patient.practitioner_id,
    )
    bundle.documents.append(document)
    return document


def _appointments(
    rng: random.Random, bundle: Bundle, spec: ActivitySpec, practice: Practice, ids: IdScheme
) -> None:
    # Hot path of the 1M-patient benchmark: draws use rng.random() directly (randrange and
    # choices cost several times more) and weighted choices read precomputed lookup tables.
    patient = bundle.patient
    draw = rng.random
    span = (spec.as_of - patient.registered).days + 120
    if patient.status in ("inactive", "archived", "deceased"):
        span = max(1, span - 400)
    count = _VISIT_COUNTS[int(draw() * len(_VISIT_COUNTS))]
    chairs = next((loc.chairs for loc in practice.locations if loc.id == patient.location_id), 3)
    cancel_reasons = CANCEL_REASONS[spec.language]
    notes = APPOINTMENT_NOTES[spec.language]
    registered = datetime.combine(patient.registered, time(8, 0))
    as_of = datetime.combine(spec.as_of, time(0, 0))
    for seq, offset in enumerate(sorted(int(draw() * span) for _ in range(count)), start=1):
        start = registered + timedelta(days=offset, minutes=15 * int(draw() * 38))
        kind = "new_patient" if seq == 1 else _TYPE_LOOKUP[int(draw() * 100)]
        table = _PAST_LOOKUP if start < as_of else _FUTURE_LOOKUP
        status = table[int(draw() * 100)]
        booked = start.replace(hour=8, minute=0) - timedelta(days=1 + int(draw() * 90))
        bundle.appointments.append(
            Appointment(
                id=ids("appointment", patient.number, seq),
                patient_id=patient.id,
                location_id=patient.location_id,
                practitioner_id=patient.practitioner_id,
                chair=1 + int(draw() * chairs),
                type=kind,
                start=start,
                duration=_DURATIONS[kind] + 15 * int(draw() * 3),
                status=status,
                variant=int(draw() * 100),
                cancel_reason=cancel_reasons[int(draw() * len(cancel_reasons))]
                if status.startswith("cancelled")
                else "",
                notes=notes[int(draw() * len(notes))],
                booked_at=booked + timedelta(minutes=int(draw() * 600)),
            )
        )


def _lookup(table: tuple[tuple[str, int], ...]) -> tuple[str, ...]:
    """A 100-slot table: value repeated by its weight (weights sum to 100)."""
    slots = tuple(value for value, weight in table for _ in range(weight))
    assert len(slots) == 100, table
    return slots


_VISIT_COUNTS = (0, 1, 2, 2, 3, 3, 4, 4, 5, 6, 7, 8, 10, 12)
_PAST_LOOKUP = _lookup(_PAST_STATUS)
_FUTURE_LOOKUP = _lookup(_FUTURE_STATUS)
_TYPE_LOOKUP = _lookup(tuple((t, w) for t, w, _ in _TYPES))
_DURATIONS = {"new_patient": 45, **{t: d for t, _, d in _TYPES}}


def _treatment(
    rng: random.Random, bundle: Bundle, spec: ActivitySpec, practice: Practice, ids: IdScheme
) -> None:
    patient = bundle.patient
    done = [a for a in bundle.appointments if a.status == "completed"]
    for appointment in done:  # what was done at each attended visit
        for code in _codes_for(rng, practice.codes, appointment.type):
            _add_procedure(rng, bundle, ids, None, appointment, code, "completed")
    for plan_seq in range(1, rng.choice((0, 0, 1, 1, 2)) + 1):
        created = patient.registered + timedelta(days=rng.randrange(max(1, len(done) * 60 + 30)))
        created = min(created, spec.as_of)
        status = rng.choices(
            ("presented", "accepted", "in_progress", "completed", "declined"), (2, 3, 2, 4, 1)
        )[0]
        plan = TreatmentPlan(
            id=ids("treatment_plan", patient.number, plan_seq),
            patient_id=patient.id,
            practitioner_id=patient.practitioner_id,
            name=rng.choice(PLAN_NAMES[spec.language]),
            status=status,
            created=created,
            accepted=created + timedelta(days=rng.randint(0, 14))
            if status != "presented" and status != "declined"
            else None,
            completed=None,
            total=Decimal("0"),
            patient_charge=Decimal("0"),
            band=None,
            nhs=patient.payment_category in ("nhs", "mixed"),
            notes="",
        )
        line_status = {"completed": "completed", "declined": "declined"}.get(status, "planned")
        for _ in range(rng.randint(1, 4)):
            code = rng.choice([c for c in practice.codes if c.tooth] or practice.codes)
            this_status = (
                "completed" if status == "in_progress" and rng.random() < 0.5 else line_status
            )
            visit = rng.choice(done) if this_status == "completed" and done else None
            procedure = _add_procedure(rng, bundle, ids, plan, visit, code, this_status)
            procedure.planned = created
            plan.total += procedure.fee
        if status == "completed":
            plan.completed = created + timedelta(days=rng.randint(14, 120))
        plan.patient_charge = plan.total
        bands = [p.code.band for p in bundle.procedures if p.plan_id == plan.id and p.code.band]
        plan.band = max(bands, key=_BAND_RANK.__getitem__) if plan.nhs and bands else None
        bundle.plans.append(plan)


def _codes_for(rng: random.Random, codes: list[Code], appointment_type: str) -> list[Code]:
    by_category = {
        "exam": ("diagnostic",),
        "new_patient": ("diagnostic",),
        "review": ("diagnostic",),
        "hygiene": ("preventive", "periodontal"),
        "emergency": ("urgent", "surgical", "endodontic"),
        "treatment": ("restorative", "endodontic", "surgical", "prosthetic"),
        "consultation": ("diagnostic",),
    }[appointment_type]
    pool = [c for c in codes if c.category in by_category] or codes
    return rng.sample(pool, k=min(len(pool), 1 if rng.random() < 0.7 else 2))


def _add_procedure(
    rng: random.Random,
    bundle: Bundle,
    ids: IdScheme,
    plan: TreatmentPlan | None,
    appointment: Appointment | None,
    code: Code,
    status: str,
) -> Procedure:
    patient = bundle.patient
    day = appointment.start.date() if appointment else patient.registered
    procedure = Procedure(
        id=ids("procedure", patient.number, len(bundle.procedures) + 1),
        plan_id=plan.id if plan else None,
        patient_id=patient.id,
        appointment_id=appointment.id if appointment else None,
        practitioner_id=appointment.practitioner_id if appointment else patient.practitioner_id,
        code=code,
        tooth_fdi=_tooth(rng, patient.dob, day) if code.tooth else None,
        surfaces=rng.choice(_SURFACES) if code.surfaces else "",
        status=status,
        planned=day,
        completed=day if status == "completed" else None,
        fee=code.fee,
        insurance_estimate=(code.fee * Decimal("0.5")).quantize(CENT)
        if rng.random() < 0.3
        else Decimal("0"),
        diagnosis="K02.1" if code.category == "restorative" else None,
    )
    bundle.procedures.append(procedure)
    return procedure


def _tooth(rng: random.Random, dob: object, day: date) -> str:
    """An FDI tooth: deciduous (51-85) half the time for a child under 10 on that day."""
    if isinstance(dob, date) and (day.year - dob.year) < 10 and rng.random() < 0.5:
        return f"{rng.randint(5, 8)}{rng.randint(1, 5)}"  # deciduous
    return rng.choice(_PERMANENT)
