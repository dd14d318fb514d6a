"""Known changes between two drops of the same export (for delta-pickup tests).

Drop 2 is generated from the same seed as drop 1, then changed: new patients appended, some
patients deleted, future appointments moved, open invoices paid, e-mails changed. Which patients
change is drawn from the seed; each change actually made is recorded in the manifest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from cli.synthetic import streams
from cli.synthetic.errors import OptionError
from cli.synthetic.model import Bundle, Invoice, Patient, Payment
from cli.synthetic.naming import IdScheme

CHANGE_KINDS = (
    "new_patients",
    "deleted_patients",
    "moved_appointments",
    "paid_invoices",
    "changed_emails",
)


class ChangeLog(Protocol):
    """Where applied changes are reported (the manifest)."""

    def record_change(self, change: str, kind: str, source_id: str, patient_id: str) -> None: ...


@dataclass
class ChangePlan:
    """Counts of each change and the patients drawn as candidates for them."""

    new_patients: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    candidates: dict[str, frozenset[int]] = field(default_factory=dict)
    _done: dict[str, int] = field(default_factory=dict)

    @classmethod
    def draw(cls, counts: dict[str, int], patients: int, seed: int) -> ChangePlan:
        """Pick candidate patients for each change from `seed` (10x the count, applied in order)."""
        unknown = set(counts) - set(CHANGE_KINDS)
        if unknown:
            raise OptionError(f"unknown change kind(s): {', '.join(sorted(unknown))}")
        rng = streams.stream(seed, 0, streams.CHANGES)
        population = range(1, patients + 1)
        candidates = {}
        for kind in ("deleted_patients", "moved_appointments", "paid_invoices", "changed_emails"):
            want = min(patients, counts.get(kind, 0) * 10)
            candidates[kind] = frozenset(rng.sample(population, k=want))
        return cls(counts.get("new_patients", 0), dict(counts), candidates)

    def deletes(self, patient: Patient, log: ChangeLog) -> bool:
        """True if drop 2 leaves this patient out (logged). Heads of families are kept, so no
        remaining record points at a deleted guarantor."""
        if patient.is_household_head or not self._wants("deleted_patients", patient.number):
            return False
        self._count("deleted_patients")
        log.record_change("deleted_patient", "patient", patient.id, patient.id)
        return True

    def apply(self, bundle: Bundle, base_patients: int, log: ChangeLog, ids: IdScheme) -> None:
        """Change this patient's records if the patient is a candidate; log what changed."""
        patient = bundle.patient
        if patient.number > base_patients:
            log.record_change("new_patient", "patient", patient.id, patient.id)
            return
        if self._wants("moved_appointments", patient.number):
            future = [a for a in bundle.appointments if a.status in ("booked", "confirmed")]
            if future:
                future[0].start += timedelta(days=7, hours=1)
                self._count("moved_appointments")
                log.record_change("moved_appointment", "appointment", future[0].id, patient.id)
        if self._wants("paid_invoices", patient.number):
            open_invoices = [
                i for i in bundle.invoices if i.status in ("issued", "overdue", "part_paid")
            ]
            if open_invoices:
                self._pay(bundle, open_invoices[0], ids)
                self._count("paid_invoices")
                log.record_change("paid_invoice", "invoice", open_invoices[0].id, patient.id)
        if self._wants("changed_emails", patient.number) and patient.email:
            patient.email = patient.email.replace("@", ".new@", 1)
            self._count("changed_emails")
            log.record_change("changed_email", "patient", patient.id, patient.id)

    def _wants(self, kind: str, number: int) -> bool:
        if number not in self.candidates.get(kind, ()):
            return False
        return self._done.get(kind, 0) < self.counts.get(kind, 0)

    def _count(self, kind: str) -> None:
        self._done[kind] = self._done.get(kind, 0) + 1

    @staticmethod
    def _pay(bundle: Bundle, invoice: Invoice, ids: IdScheme) -> None:
        outstanding = invoice.amount - invoice.paid
        invoice.paid = invoice.amount
        invoice.status = "paid"
        seq = len(bundle.payments) + 1
        bundle.payments.append(
            Payment(
                id=ids("payment", bundle.patient.number, seq),
                patient_id=bundle.patient.id,
                invoice_id=invoice.id,
                received=invoice.due,
                amount=outstanding,
                method="card",
                reference=f"R{bundle.patient.number}{seq:02d}",
                bank_fee=None,
                practitioner_id=invoice.practitioner_id,
            )
        )
