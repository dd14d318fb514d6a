"""Households of patients: a head (the guarantor), partner and children sharing an address.

Every household is drawn from a `random.Random` seeded with the run seed and the number of its
first patient, and every patient from one seeded with the patient's number, so a patient is the
same in every drop and generation never needs to remember earlier patients.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from cli.synthetic import identifiers, streams
from cli.synthetic.locales import LocalePack, PostalAddress
from cli.synthetic.model import EmergencyContact, Patient, Practice, RelatedPerson
from cli.synthetic.naming import IdScheme
from cli.synthetic.vocab import ALERTS, ALLERGIES, CONDITIONS, Language

NationalId = Literal["nhs", "tckn", "medicare", "none"]

_HOUSEHOLD_SIZES = (1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 4, 4, 5)
_REFERRALS = [
    "search",
    "website",
    "word_of_mouth",
    "social",
    "existing_patient",
    "walk_in",
    "other",
]
_TITLES = {"female": ["Mrs", "Ms", "Miss"], "male": ["Mr"]}
_AGES = {"child": (2, 17), "parent": (30, 58), "partner": (28, 60)}
_ADULT_KIN = ("spouse", "partner", "parent", "sibling", "friend", "child")
_CHILD_KIN = ("mother", "father", "grandparent", "sibling")
_FLAG_COLOURS = ["white", "black", "red", "green", "blue", "yellow"]
_NATIONALITIES = ["DE", "GB", "NL", "RU", "AZ", "SA", "IQ"]


@dataclass(frozen=True)
class PeopleSpec:
    """What kind of people a source's patients are."""

    language: Language
    national_id: NationalId
    as_of: date
    payment_categories: tuple[str, ...]  # weighted by repetition
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class Household:
    """A family: patients (head first) and the related-person rows that tie them together."""

    patients: list[Patient]
    related: list[RelatedPerson]


def households(
    seed: int,
    spec: PeopleSpec,
    pack: LocalePack,
    practice: Practice,
    ids: IdScheme,
    first_number: int,
    last_number: int,
) -> Iterator[Household]:
    """Households covering patient numbers first_number..last_number, in order."""
    number = first_number
    while number <= last_number:
        rng = streams.stream(seed, number, streams.HOUSEHOLD)
        family_size = rng.choice(_HOUSEHOLD_SIZES)
        # The export may end mid-family; members already written never depend on that cut, so
        # a later drop with more patients continues the family unchanged.
        members = min(family_size, last_number - number + 1)
        yield _household(seed, spec, pack, practice, ids, number, (members, family_size), rng)
        number += members


def _household(
    seed: int,
    spec: PeopleSpec,
    pack: LocalePack,
    practice: Practice,
    ids: IdScheme,
    first: int,
    sizes: tuple[int, int],
    rng: random.Random,
) -> Household:
    members, size = sizes
    family = rng.choice(pack.family_names)
    address = rng.choice(pack.addresses)
    home_phone = rng.choice(pack.landlines)
    location = rng.choice(practice.locations)
    head_id = ids("patient", first)
    household_id = ids("household", first) if size > 1 else None
    patients: list[Patient] = []
    related: list[RelatedPerson] = []
    for offset in range(members):
        number = first + offset
        prng = streams.stream(seed, number, streams.PATIENT)
        if offset == 0:
            role = "parent" if size > 1 else "single"
        else:
            role = "partner" if offset == 1 and prng.random() < 0.5 else "child"
        patient = _patient(prng, spec, pack, practice, ids, number, role, family, address)
        patient.home_phone = home_phone
        patient.location_id = location.id
        patient.household_id = household_id
        patient.is_household_head = offset == 0 and size > 1
        if role == "child":
            patient.guarantor_id = head_id
            head = patients[0]
            related.append(_guarantor_row(ids, number, patient, head))
        if prng.random() < 0.55 or role == "child":
            kin = _CHILD_KIN if role == "child" else _ADULT_KIN
            related.append(_emergency_row(prng, pack, ids, number, patient, kin))
        patients.append(patient)
    return Household(patients, related)


def _patient(
    rng: random.Random,
    spec: PeopleSpec,
    pack: LocalePack,
    practice: Practice,
    ids: IdScheme,
    number: int,
    role: str,
    family: str,
    address: PostalAddress,
) -> Patient:
    sex = "female" if rng.random() < 0.52 else "male"
    given = rng.choice(pack.female_names if sex == "female" else pack.male_names)
    # Parents and partners are of an age to have the household's children; singles any adult.
    youngest, oldest = _AGES.get(role, (19, 88))
    age = rng.randint(youngest, oldest)
    dob = spec.as_of - timedelta(days=age * 365 + rng.randrange(365))
    if role == "partner" and rng.random() < 0.3:
        family = rng.choice(pack.family_names)
    registered = max(dob + timedelta(days=400), spec.as_of - timedelta(days=rng.randint(30, 5400)))
    national_id, irn, expiry, nationality, passport = _national_id(rng, spec, number)
    clinicians = practice.clinicians
    status = rng.choices(("active", "inactive", "archived", "deceased"), (90, 6, 3, 1))[0]
    lang = spec.language
    mobile = rng.choice(pack.mobiles)
    return Patient(
        id=ids("patient", number),
        number=number,
        title=rng.choice(_TITLES[sex]) if age >= 18 else "",
        given=given,
        middle=rng.choice(pack.female_names if sex == "female" else pack.male_names)
        if rng.random() < 0.2
        else "",
        family=family,
        preferred=given[:3] if rng.random() < 0.05 else "",
        dob=dob,
        sex=sex,
        national_id=national_id,
        national_id_irn=irn,
        national_id_expiry=expiry,
        nationality=nationality,
        passport=passport,
        address=address,
        mobile=mobile,
        home_phone="",
        work_phone=rng.choice(pack.landlines) if age >= 18 and rng.random() < 0.2 else "",
        email=pack.email_for(rng, given, family),
        location_id=practice.locations[0].id,
        practitioner_id=rng.choice(clinicians).id,
        payment_category=rng.choice(spec.payment_categories),
        referral_source=rng.choice(_REFERRALS),
        allergies=rng.sample(ALLERGIES[lang], k=1) if rng.random() < 0.12 else [],
        conditions=rng.sample(CONDITIONS[lang], k=rng.randint(1, 2)) if rng.random() < 0.2 else [],
        medical_alert=rng.choice(ALERTS[lang]) if rng.random() < 0.08 else "",
        registered=registered,
        last_visit=None,
        status=status,
        household_id=None,
        guarantor_id=None,
        is_household_head=False,
        emergency=None,
        marketing_opt_in=rng.random() < 0.45,
        sms_opt_in=rng.random() < 0.8,
        flag_colour=rng.choice(_FLAG_COLOURS) if rng.random() < 0.1 else None,
        group=rng.choice(spec.groups) if spec.groups and rng.random() < 0.3 else None,
    )


def _national_id(
    rng: random.Random, spec: PeopleSpec, number: int
) -> tuple[str | None, str | None, date | None, str, str | None]:
    """(identifier, IRN, expiry, nationality, passport) as the source's country keeps them."""
    if spec.national_id == "nhs":
        return (
            (identifiers.nhs_number(rng) if rng.random() < 0.85 else None),
            None,
            None,
            "GB",
            None,
        )
    if spec.national_id == "tckn":
        if rng.random() < 0.06:  # health tourism: passport instead of T.C. Kimlik
            return None, None, None, rng.choice(_NATIONALITIES), f"U{rng.randrange(10**7, 10**8)}"
        return identifiers.tc_kimlik(rng), None, None, "TR", None
    if spec.national_id == "medicare":
        card, irn = identifiers.medicare_number(rng)
        expiry = date(spec.as_of.year + rng.randint(0, 4), rng.randint(1, 12), 1)
        return card, irn, expiry, "AU", None
    return None, None, None, "US", None


def _guarantor_row(ids: IdScheme, number: int, child: Patient, head: Patient) -> RelatedPerson:
    return RelatedPerson(
        id=ids("related_person", number, 1),
        patient_id=child.id,
        role="guarantor",
        relationship="mother" if head.sex == "female" else "father",
        linked_patient_id=head.id,
        title=head.title,
        given=head.given,
        family=head.family,
        phone=head.mobile,
        email=head.email,
        address=head.address,
        primary=True,
    )


def _emergency_row(
    rng: random.Random,
    pack: LocalePack,
    ids: IdScheme,
    number: int,
    patient: Patient,
    kin: tuple[str, ...],
) -> RelatedPerson:
    relationship = rng.choice(kin)
    given = rng.choice(pack.female_names + pack.male_names)
    family = patient.family if relationship != "friend" else rng.choice(pack.family_names)
    phone = rng.choice(pack.mobiles)
    patient.emergency = EmergencyContact(given, family, phone, relationship)
    return RelatedPerson(
        id=ids("related_person", number, 2),
        patient_id=patient.id,
        role="emergency_contact",
        relationship=relationship,
        linked_patient_id=None,
        title="",
        given=given,
        family=family,
        phone=phone,
        email=None,
        address=patient.address,
        primary=patient.guarantor_id is None,
    )
