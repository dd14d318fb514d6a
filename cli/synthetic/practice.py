"""The practice side of a synthetic export: the organisation, its locations and its staff."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from cli.synthetic import identifiers
from cli.synthetic.locales import LocalePack, ascii_fold
from cli.synthetic.model import Code, Location, Organization, Practice, Staff
from cli.synthetic.naming import IdScheme

_SPECIALTIES = {
    "TR": [
        "Genel Diş Hekimi",
        "Ortodonti",
        "Endodonti",
        "Periodontoloji",
        "Ağız, Diş ve Çene Cerrahisi",
        "Pedodonti",
        "Protetik Diş Tedavisi",
    ],
    "US": [
        "General Dentistry",
        "Orthodontics",
        "Endodontics",
        "Periodontics",
        "Pediatric Dentistry",
    ],
}
_ORG_PATTERNS = {
    "GB": "{family} Dental Group",
    "IE": "{family} Dental Group",
    "TR": "{family} Ağız ve Diş Sağlığı",
    "AU": "{city} Dental Group",
    "US": "{family} Family Dental",
}
# Per location: (role, how many). One manager for the whole organisation.
_TEAM = [("dentist", 2), ("hygienist", 1), ("therapist", 1), ("nurse", 1), ("receptionist", 1)]


def build_practice(
    rng: random.Random, pack: LocalePack, ids: IdScheme, codes: list[Code], as_of: date
) -> Practice:
    """A multi-location practice (2-4 sites under one organisation) with its team."""
    family = rng.choice(pack.family_names)
    head_address = rng.choice(pack.addresses)
    org_name = _ORG_PATTERNS[pack.country].format(family=family, city=head_address.city)
    tax_id = {"TR": identifiers.vkn, "AU": identifiers.abn, "US": _us_ein}.get(
        pack.country, _gb_vat
    )(rng)
    organization = Organization(ids("organization", 1), org_name, tax_id)
    domain = f"{ascii_fold(family)}-dental.example.com"
    locations: list[Location] = []
    for index in range(rng.randint(2, 4)):
        address = head_address if index == 0 else rng.choice(pack.addresses)
        locations.append(
            Location(
                id=ids("location", index + 1),
                name=f"{org_name} {address.city}",
                parent_id=None if index == 0 else ids("location", 1),
                address=address,
                phone=rng.choice(pack.landlines),
                email=f"{ascii_fold(address.city)}@{domain}",
                chairs=rng.randint(2, 6),
            )
        )
    staff: list[Staff] = []
    for location in locations:
        for role, count in _TEAM:
            for _ in range(count):
                staff.append(_staff(rng, pack, ids, len(staff) + 1, role, [location.id], as_of))
    staff.append(
        _staff(rng, pack, ids, len(staff) + 1, "manager", [loc.id for loc in locations], as_of)
    )
    for member in rng.sample(staff, k=max(1, len(staff) // 8)):
        if member.role != "dentist":
            member.active = False  # left the practice: an owner the run must re-assign
    return Practice(organization, locations, staff, codes)


def _staff(
    rng: random.Random,
    pack: LocalePack,
    ids: IdScheme,
    number: int,
    role: str,
    location_ids: list[str],
    as_of: date,
) -> Staff:
    female = rng.random() < 0.6
    given = rng.choice(pack.female_names if female else pack.male_names)
    family = rng.choice(pack.family_names)
    clinical = role in ("dentist", "hygienist", "therapist")
    title = "Dr" if role == "dentist" else ("Ms" if female else "Mr")
    return Staff(
        id=ids("staff", number),
        title=title,
        given=given,
        family=family,
        role=role,
        specialty=_specialty(rng, pack.country, role),
        identifier=_registration(rng, pack.country, clinical),
        email=f"{ascii_fold(given)}.{ascii_fold(family)}{number}@practice.example.com",
        mobile=rng.choice(pack.mobiles),
        location_ids=location_ids,
        active=True,
        start_date=as_of - timedelta(days=rng.randint(200, 6000)),
        commission=Decimal(rng.choice(("30.00", "35.00", "40.00"))) if role == "dentist" else None,
    )


def _specialty(rng: random.Random, country: str, role: str) -> str | None:
    if role != "dentist":
        return None
    options = _SPECIALTIES.get(country)
    return rng.choice(options) if options else None


def _registration(rng: random.Random, country: str, clinical: bool) -> str | None:
    """The staff member's professional/national identifier, as each source records it."""
    if country == "TR":
        return identifiers.tc_kimlik(rng)  # Dr.DENTES requires it for every dentist user
    if not clinical:
        return None
    if country == "US":
        return identifiers.npi(rng)
    if country == "AU":
        return f"DEN{rng.randrange(10**9, 10**10):010d}"
    return str(rng.randrange(50000, 300000))  # GDC registration number


def _gb_vat(rng: random.Random) -> str:
    return f"GB{rng.randrange(10**8, 10**9)}"


def _us_ein(rng: random.Random) -> str:
    return f"{rng.randrange(10, 99)}-{rng.randrange(10**6, 10**7)}"
