"""Data-quality faults injected at configurable rates, each one recorded for the manifest.

Rates are the probability that a patient carries the fault (for `oversized_document`: that a
document does). Faults are drawn from their own random stream per patient, so changing a rate
never changes the rest of the export. The generic source has no checksummed patient identifier, so
there `invalid_identifier` corrupts practitioners' NPIs (at the rate, at least one when > 0).
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Literal

from cli.synthetic import identifiers, streams
from cli.synthetic.activity import add_note
from cli.synthetic.model import Appointment, Bundle, MalformedDate, Patient, Practice
from cli.synthetic.naming import DUPLICATE_BASE, ORPHAN_BASE, IdScheme
from cli.synthetic.people import NationalId
from cli.synthetic.vocab import FORMULA_TEXTS, ODD_UNICODE_INSERTS, Language

FaultKind = Literal[
    "duplicate_patient",
    "missing_email",
    "malformed_date",
    "invalid_identifier",
    "orphan_appointment",
    "oversized_document",
    "formula_text",
    "odd_unicode",
]
FAULT_KINDS: tuple[FaultKind, ...] = (
    "duplicate_patient",
    "missing_email",
    "malformed_date",
    "invalid_identifier",
    "orphan_appointment",
    "oversized_document",
    "formula_text",
    "odd_unicode",
)
TextTarget = tuple[str, str]  # (where: "notes" | "appointments" | "patient", field name)


@dataclass(frozen=True)
class FaultConfig:
    """Fault rates by kind and the document size above which a file counts as oversized."""

    rates: dict[str, float] = field(default_factory=dict)
    oversize_bytes: int = 32 * 1024 * 1024

    def rate(self, kind: FaultKind) -> float:
        """The configured rate of a fault kind (0 when not set)."""
        return self.rates.get(kind, 0.0)


@dataclass(frozen=True)
class FaultTargets:
    """Where a layout can take each fault: free-text fields and the patient identifier."""

    text: tuple[TextTarget, ...]
    unicode_text: tuple[TextTarget, ...]
    identifier: NationalId = "none"  # "none": corrupt practitioners' NPIs instead


class FaultInjector:
    """Applies faults to a generated bundle in place and returns any extra records."""

    def __init__(
        self,
        config: FaultConfig,
        seed: int,
        targets: FaultTargets,
        ids: IdScheme,
        language: Language,
        kinds: frozenset[str],
    ) -> None:
        self._config = config
        self._seed = seed
        self._targets = targets
        self._ids = ids
        self._language = language
        self._kinds = kinds

    def apply(self, bundle: Bundle) -> tuple[Patient | None, Appointment | None]:
        """Inject this patient's faults; returns (duplicate patient, orphan appointment)."""
        rng = streams.stream(self._seed, bundle.patient.number, streams.FAULTS)
        draws = {kind: rng.random() for kind in FAULT_KINDS}  # fixed order: stable streams
        hit = {kind: draws[kind] < self._config.rate(kind) for kind in FAULT_KINDS}
        patient = bundle.patient
        duplicate = self._duplicate(rng, patient) if hit["duplicate_patient"] else None
        if hit["missing_email"] and patient.email:
            patient.email = None
            patient.faults.append(("missing_email", "email"))
        if hit["malformed_date"] and isinstance(patient.dob, date):
            patient.dob = _malformed(rng, patient.dob)
            patient.faults.append(("malformed_date", "dob"))
        if hit["invalid_identifier"] and self._targets.identifier != "none":
            self._corrupt_identifier(rng, patient)
        orphan = None
        if hit["orphan_appointment"] and "appointment" in self._kinds:
            orphan = self._orphan(rng, bundle)
        if hit["formula_text"]:
            self._text_fault(rng, bundle, "formula_text", self._targets.text)
        if hit["odd_unicode"]:
            self._text_fault(rng, bundle, "odd_unicode", self._targets.unicode_text)
        for document in bundle.documents:
            if rng.random() < self._config.rate("oversized_document"):
                document.oversized = True
                document.faults.append(("oversized_document", "size"))
        return duplicate, orphan

    def corrupt_practitioners(self, practice: Practice) -> None:
        """Generic source: corrupt NPIs of some practitioners (at least one when rate > 0)."""
        rate = self._config.rate("invalid_identifier")
        with_id = [s for s in practice.staff if s.identifier]
        if rate <= 0 or not with_id:
            return
        rng = streams.stream(self._seed, 0, streams.PRACTITIONER_FAULTS)
        chosen = [s for s in with_id if rng.random() < rate] or [rng.choice(with_id)]
        for staff in chosen:
            staff.identifier = identifiers.corrupt(staff.identifier or "")
            staff.faults.append(("invalid_identifier", "identifier"))

    def _corrupt_identifier(self, rng: random.Random, patient: Patient) -> None:
        kind = self._targets.identifier
        if patient.national_id is None:  # give the patient one, so the rate holds
            patient.national_id = _fresh_identifier(rng, kind)
            patient.passport = None
        position = 8 if kind == "medicare" else -1  # Medicare's last digit is the issue number
        patient.national_id = identifiers.corrupt(patient.national_id, position)
        patient.faults.append(("invalid_identifier", "national_id"))

    def _duplicate(self, rng: random.Random, patient: Patient) -> Patient:
        turkish = self._language == "tr"
        given, family, variant = _respell(rng, patient.given, patient.family, turkish)
        number = DUPLICATE_BASE + patient.number
        return replace(
            patient,
            id=self._ids("patient", number),
            number=number,
            given=given,
            family=family,
            mobile=patient.mobile if variant != "spaces" else patient.home_phone or patient.mobile,
            guarantor_id=None,
            is_household_head=False,
            duplicate_of=patient.id,
            faults=[("duplicate_patient", "given")],
            allergies=list(patient.allergies),
            conditions=list(patient.conditions),
        )

    def _orphan(self, rng: random.Random, bundle: Bundle) -> Appointment:
        number = ORPHAN_BASE + bundle.patient.number
        template = bundle.appointments[0] if bundle.appointments else None
        start = template.start if template else None
        orphan = Appointment(
            id=self._ids("appointment", number, 1),
            patient_id=self._ids("patient", number),
            location_id=bundle.patient.location_id,
            practitioner_id=bundle.patient.practitioner_id,
            chair=1,
            type="exam",
            start=start or _default_start(bundle.patient),
            duration=20,
            status="completed",
            variant=rng.randrange(100),
            cancel_reason="",
            notes="",
            booked_at=start or _default_start(bundle.patient),
        )
        orphan.faults.append(("orphan_appointment", "patient_id"))
        return orphan

    def _text_fault(
        self,
        rng: random.Random,
        bundle: Bundle,
        fault: FaultKind,
        targets: tuple[TextTarget, ...],
    ) -> None:
        for where, field_name in targets:
            record: object | None = None
            if where == "patient":
                record = bundle.patient
            elif where == "notes" and "clinical_note" in self._kinds:
                record = (
                    rng.choice(bundle.notes)
                    if bundle.notes
                    else add_note(rng, bundle, self._language, self._ids, None)
                )
            elif where == "appointments" and bundle.appointments:
                record = rng.choice(bundle.appointments)
            if record is None:
                continue
            text = str(getattr(record, field_name) or "")
            setattr(record, field_name, _apply_text_fault(rng, fault, text))
            record.faults.append((fault, field_name))  # type: ignore[attr-defined]
            return


def _apply_text_fault(rng: random.Random, fault: FaultKind, text: str) -> str:
    if fault == "formula_text":
        return rng.choice(FORMULA_TEXTS)
    base = text or "Review"
    inserts = rng.sample(ODD_UNICODE_INSERTS, k=2)
    cut = rng.randrange(1, len(base) + 1)
    return base[:cut] + inserts[0] + base[cut:] + " " + inserts[1]


def _malformed(rng: random.Random, dob: date) -> MalformedDate:
    """A date that cannot exist: 30/31 February, month 13, day 32 or all zeros."""
    choice = rng.randrange(5)
    if choice == 0:
        return MalformedDate(dob.year, 2, 30)
    if choice == 1:
        return MalformedDate(dob.year, 2, 31)
    if choice == 2:
        return MalformedDate(dob.year, 13, dob.day)
    if choice == 3:
        return MalformedDate(dob.year, dob.month, 32)
    return MalformedDate(0, 0, 0)


def _respell(rng: random.Random, given: str, family: str, turkish: bool) -> tuple[str, str, str]:
    """The same name written differently: case, accents or extra spaces.

    Each variant still matches the original after case-folding, accent stripping and space
    collapsing; case changes are skipped for names Python cannot round-trip (Turkish ı/İ).
    """
    options = ["spaces"]
    # Case changes of I/ı/İ/i differ between Turkish and Python case rules (and "i̇" cannot be
    # written in cp1254), so Turkish names with any of them only get spaces or accent variants.
    dotted = "İıIi" if turkish else "İı"
    if not any(char in dotted for char in given + family):
        options.append("case")
    if _strip_accents(given + family) != given + family or _add_accent(given) != given:
        options.append("accents")
    variant = rng.choice(options)
    if variant == "case":
        return given.lower(), family.upper(), variant
    if variant == "accents":
        stripped = _strip_accents(given), _strip_accents(family)
        if stripped != (given, family):
            return stripped[0], stripped[1], variant
        return _add_accent(given), family, variant
    return f" {given}  ", f"{family} ", variant


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def _add_accent(text: str) -> str:
    for index, char in enumerate(text):
        if char in "eE" and index > 0:
            return text[:index] + ("ë" if char == "e" else "Ë") + text[index + 1 :]
    return text


def _fresh_identifier(rng: random.Random, kind: NationalId) -> str:
    if kind == "medicare":
        return identifiers.medicare_number(rng)[0]
    return identifiers.tc_kimlik(rng) if kind == "tckn" else identifiers.nhs_number(rng)


def _default_start(patient: Patient) -> datetime:
    return datetime.combine(patient.registered, time(9, 0))
