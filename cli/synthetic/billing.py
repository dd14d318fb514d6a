"""Invoices for attended treatment and the payments against them (refunds negative)."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from cli.synthetic.model import CENT, Bundle, Invoice, Payment, Procedure
from cli.synthetic.naming import IdScheme

if TYPE_CHECKING:
    from cli.synthetic.activity import ActivitySpec


def bill_patient(rng: random.Random, bundle: Bundle, spec: ActivitySpec, ids: IdScheme) -> None:
    """One invoice per attended visit with treatment; payments settle most of them."""
    patient = bundle.patient
    by_appointment: dict[str, list[Procedure]] = {}
    for procedure in bundle.procedures:
        if procedure.status == "completed" and procedure.appointment_id:
            by_appointment.setdefault(procedure.appointment_id, []).append(procedure)
    guarantor = next((r for r in bundle.related if r.role == "guarantor"), None)
    for seq, (appointment_id, lines) in enumerate(by_appointment.items(), start=1):
        issued = lines[0].completed or spec.as_of
        net = sum((p.fee for p in lines), Decimal("0"))
        tax = (net * spec.tax_rate).quantize(CENT)
        amount = net + tax
        status = rng.choices(
            ("paid", "part_paid", "issued", "overdue", "written_off", "void"), (78, 6, 7, 5, 2, 2)
        )[0]
        if (spec.as_of - issued).days < 30 and status == "overdue":
            status = "issued"
        paid = {"paid": amount, "part_paid": (amount * Decimal("0.4")).quantize(CENT)}.get(
            status, Decimal("0")
        )
        invoice = Invoice(
            id=ids("invoice", patient.number, seq),
            patient_id=patient.id,
            bill_to_related_id=guarantor.id if guarantor else None,
            bill_to_patient_id=patient.guarantor_id,
            location_id=patient.location_id,
            practitioner_id=lines[0].practitioner_id,
            issued=issued,
            due=issued + timedelta(days=30),
            amount=amount,
            tax=tax,
            paid=paid,
            status=status,
            description="; ".join(p.code.description for p in lines),
        )
        for procedure in lines:
            procedure.invoice_id = invoice.id
        bundle.invoices.append(invoice)
        _payments(rng, bundle, spec, ids, invoice, appointment_id)


def _payments(
    rng: random.Random,
    bundle: Bundle,
    spec: ActivitySpec,
    ids: IdScheme,
    invoice: Invoice,
    appointment_id: str,
) -> None:
    if invoice.paid <= 0:
        return
    parts = [invoice.paid]
    if invoice.status == "paid" and invoice.paid > 100 and rng.random() < 0.25:
        first = (invoice.paid * Decimal("0.5")).quantize(CENT)
        parts = [first, invoice.paid - first]
    if spec.refunds and invoice.status == "paid" and rng.random() < 0.05:
        refund = (invoice.paid * Decimal("0.1")).quantize(CENT)  # overpaid, then refunded
        parts = [*parts[:-1], parts[-1] + refund, -refund]
    for part in parts:
        method = "refund" if part < 0 else rng.choice(spec.payment_methods)
        seq = len(bundle.payments) + 1
        bundle.payments.append(
            Payment(
                id=ids("payment", bundle.patient.number, seq),
                patient_id=bundle.patient.id,
                invoice_id=invoice.id,
                received=min(spec.as_of, invoice.issued + timedelta(days=rng.randint(0, 20))),
                amount=part,
                method=method,
                reference=f"R{bundle.patient.number}{seq:02d}",
                bank_fee=(part * Decimal("0.0175")).quantize(CENT) if method == "card" else None,
                practitioner_id=invoice.practitioner_id,
            )
        )
