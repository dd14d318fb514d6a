"""Recalls, insurance coverage, practice-defined custom fields and prescriptions of a patient."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from cli.synthetic.model import Bundle, Coverage, CustomValue, Prescription, Recall
from cli.synthetic.naming import IdScheme

if TYPE_CHECKING:
    from cli.synthetic.activity import ActivitySpec


def add_recalls(rng: random.Random, bundle: Bundle, spec: ActivitySpec, ids: IdScheme) -> None:
    """Exam and (half the time) hygiene recalls after the last visit."""
    last = bundle.patient.last_visit or max(
        (a.start.date() for a in bundle.appointments if a.status == "completed"), default=None
    )
    for seq, (kind, months) in enumerate((("exam", 6), ("hygiene", 6)), start=1):
        if seq == 2 and rng.random() < 0.5:
            break
        base = last or spec.as_of
        bundle.recalls.append(
            Recall(
                id=ids("recall", bundle.patient.number, seq),
                patient_id=bundle.patient.id,
                type=kind,
                interval_months=months,
                last_done=last,
                due=base + timedelta(days=months * 30),
                status=rng.choices(("due", "contacted", "scheduled", "declined"), (6, 2, 2, 1))[0],
            )
        )


def add_coverage(rng: random.Random, bundle: Bundle, spec: ActivitySpec, ids: IdScheme) -> None:
    """One insurance policy / health-fund membership."""
    patient = bundle.patient
    start = patient.registered - timedelta(days=rng.randint(0, 900))
    ended = rng.random() < 0.15
    bundle.coverages.append(
        Coverage(
            id=ids("coverage", patient.number, 1),
            patient_id=patient.id,
            payer=rng.choice(spec.payers),
            member_id=f"{rng.randrange(10**7, 10**9)}",
            group_number=f"G{rng.randrange(1000, 99999)}" if rng.random() < 0.6 else "",
            relationship="child"
            if patient.guarantor_id
            else ("self" if rng.random() < 0.8 else "spouse"),
            order=1,
            start=start,
            end=start + timedelta(days=rng.randint(365, 1500)) if ended else None,
            cover_type=rng.choice(("extras", "hospital_extras")),
        )
    )


def add_custom_fields(rng: random.Random, bundle: Bundle, spec: ActivitySpec) -> None:
    """Values of the source's practice-defined fields (about half filled)."""
    for key, data_type, options in spec.custom_fields:
        if rng.random() < 0.5:
            continue
        value: str | date | Decimal | bool | list[str]
        if data_type == "date":
            value = spec.as_of - timedelta(days=rng.randrange(700))
        elif data_type == "number":
            value = Decimal(rng.randrange(0, 500)) / 10
        elif data_type == "bool":
            value = rng.random() < 0.5
        elif data_type == "multi_picklist":
            value = rng.sample(list(options), k=rng.randint(1, min(2, len(options))))
        else:
            value = rng.choice(options)
        bundle.custom.append(CustomValue(bundle.patient.id, key, data_type, value))


def add_prescription(rng: random.Random, bundle: Bundle, spec: ActivitySpec, ids: IdScheme) -> None:
    """A dental prescription written at the last visit."""
    drug, strength, form, sig, schedule = rng.choice(
        (
            ("Amoxicillin", "500 mg", "capsule", "1 capsule 3 times daily for 5 days", None),
            ("Ibuprofen", "400 mg", "tablet", "1 tablet every 6 hours with food as needed", None),
            ("Chlorhexidine 0.12% rinse", "0.12%", "solution", "Rinse 15 ml twice daily", None),
            ("Hydrocodone/APAP", "5/325 mg", "tablet", "1 tablet every 6 hours as needed", "II"),
            ("Metronidazole", "400 mg", "tablet", "1 tablet 3 times daily for 3 days", None),
        )
    )
    written = bundle.appointments[-1].start.date() if bundle.appointments else spec.as_of
    bundle.prescriptions.append(
        Prescription(
            id=ids("prescription", bundle.patient.number, 1),
            patient_id=bundle.patient.id,
            prescriber_id=bundle.patient.practitioner_id,
            written=written,
            drug=drug,
            strength=strength,
            form=form,
            sig=sig,
            quantity=rng.choice((10, 15, 20, 21)),
            refills=rng.choice((0, 0, 1)),
            controlled_schedule=schedule,
            status="completed" if written < spec.as_of else "active",
        )
    )
