"""Per-country value pools: names, addresses and valid phone numbers, drawn once from Faker.

Faker is slow per call, so each pool is filled once per run from a Faker instance seeded with the
run's seed; per-patient generation then only picks from the pools with its own `random.Random`.
Faker's gaps (reference §4: `tr_TR` has no addresses, `en_AU` no person names) are filled with
small built-in lists.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

import phonenumbers
from faker import Faker

Country = Literal["GB", "IE", "TR", "AU", "US"]

_FAKER_LOCALE: dict[Country, str] = {
    "GB": "en_GB",
    "IE": "en_IE",
    "TR": "tr_TR",
    "AU": "en_AU",
    "US": "en_US",
}
CURRENCY: dict[Country, str] = {"GB": "GBP", "IE": "EUR", "TR": "TRY", "AU": "AUD", "US": "USD"}

# tr_TR has no address provider: (il, ilçe, posta kodu prefix) and street stems.
_TR_PLACES = [
    ("İstanbul", "Kadıköy", "347"),
    ("İstanbul", "Beşiktaş", "343"),
    ("İstanbul", "Üsküdar", "346"),
    ("İstanbul", "Şişli", "343"),
    ("Ankara", "Çankaya", "066"),
    ("Ankara", "Keçiören", "063"),
    ("İzmir", "Karşıyaka", "355"),
    ("İzmir", "Bornova", "350"),
    ("Bursa", "Nilüfer", "161"),
    ("Antalya", "Muratpaşa", "070"),
    ("Eskişehir", "Tepebaşı", "260"),
    ("Muğla", "Bodrum", "484"),
]
_TR_STREETS = [
    "Atatürk Cad.",
    "Cumhuriyet Cad.",
    "İnönü Sok.",
    "Bağdat Cad.",
    "Gül Sok.",
    "Çınar Sok.",
    "Lale Sok.",
    "Fevzi Çakmak Cad.",
    "Menekşe Sok.",
    "Kazım Karabekir Cad.",
    "Şehit Er Sok.",
]
_TR_MAHALLE = ["Moda Mah.", "Caferağa Mah.", "Bahçelievler Mah.", "Yıldız Mah.", "Güzelyalı Mah."]
_UK_COUNTIES = [
    "Greater London",
    "West Midlands",
    "Kent",
    "Essex",
    "Surrey",
    "Hampshire",
    "West Yorkshire",
    "Greater Manchester",
    "Lancashire",
    "Devon",
]


@dataclass(frozen=True)
class PostalAddress:
    """An address as the neutral model holds it; layouts decide how to print it."""

    line1: str
    line2: str
    city: str
    region: str
    postcode: str


@dataclass
class LocalePack:
    """Pools of plausible values for one country."""

    country: Country
    female_names: list[str] = field(default_factory=list)
    male_names: list[str] = field(default_factory=list)
    family_names: list[str] = field(default_factory=list)
    addresses: list[PostalAddress] = field(default_factory=list)
    mobiles: list[str] = field(default_factory=list)
    landlines: list[str] = field(default_factory=list)

    @property
    def currency(self) -> str:
        """ISO 4217 code of the country's currency."""
        return CURRENCY[self.country]

    def email_for(self, rng: random.Random, given: str, family: str) -> str:
        """A syntactically valid e-mail on a reserved example domain."""
        local = f"{ascii_fold(given)}.{ascii_fold(family)}"
        domain = rng.choice(("example.com", "example.org", "example.net"))
        return f"{local}{rng.randrange(1, 1000)}@{domain}"


def build_locale_pack(country: Country, seed: int, pool_size: int = 400) -> LocalePack:
    """Fill the pools for a country from Faker seeded with `seed` (deterministic)."""
    fake = Faker(_FAKER_LOCALE[country])
    fake.seed_instance(seed)
    rng = random.Random(f"locale:{country}:{seed}")
    pack = LocalePack(country)
    pack.female_names = _unique([fake.first_name_female() for _ in range(pool_size)])
    pack.male_names = _unique([fake.first_name_male() for _ in range(pool_size)])
    pack.family_names = _unique([fake.last_name() for _ in range(pool_size * 2)])
    pack.addresses = [_address(country, fake, rng) for _ in range(pool_size * 2)]
    pack.mobiles = _valid_numbers(country, phonenumbers.PhoneNumberType.MOBILE, rng, pool_size)
    pack.landlines = _valid_numbers(
        country, phonenumbers.PhoneNumberType.FIXED_LINE, rng, pool_size
    )
    return pack


def ascii_fold(text: str) -> str:
    """Lower-case ASCII letters only (Turkish dotless ı and ş/ç/ğ folded), for e-mail parts."""
    text = text.replace("ı", "i").replace("İ", "I")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isascii() and c.isalpha()).lower() or "patient"


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _address(country: Country, fake: Faker, rng: random.Random) -> PostalAddress:
    if country == "TR":
        city, district, prefix = rng.choice(_TR_PLACES)
        line1 = f"{rng.choice(_TR_MAHALLE)} {rng.choice(_TR_STREETS)} No: {rng.randrange(1, 180)}"
        line2 = f"D: {rng.randrange(1, 30)}" if rng.random() < 0.7 else ""
        return PostalAddress(line1, line2, district, city, f"{prefix}{rng.randrange(10, 100)}")
    if country == "GB":
        # en_GB street addresses are sometimes two lines ("Flat 5\nHill Road")
        first, _, rest = fake.street_address().partition("\n")
        county = rng.choice(_UK_COUNTIES)
        return PostalAddress(first, rest, fake.city(), county, fake.postcode())
    if country == "IE":
        eircode = fake.postcode().replace(" ", "")
        first, _, rest = fake.street_address().partition("\n")
        return PostalAddress(
            first, rest, fake.city(), f"Co. {fake.county()}", f"{eircode[:3]} {eircode[3:]}"
        )
    if country == "AU":
        first, _, rest = fake.street_address().partition("\n")
        return PostalAddress(first, rest, fake.city(), fake.state_abbr(), fake.postcode())
    first, _, rest = fake.street_address().partition("\n")
    line2 = rest or (fake.secondary_address() if rng.random() < 0.2 else "")
    return PostalAddress(first, line2, fake.city(), fake.state_abbr(), fake.zipcode())


def _valid_numbers(country: Country, kind: int, rng: random.Random, count: int) -> list[str]:
    """Numbers `phonenumbers` validates, as dialled nationally, built on the example number.

    The example number's trailing digits are redrawn and the result kept only if valid, so no
    drama-range (UK 07700 900xxx) or otherwise merely "possible" number gets in.
    """
    example = phonenumbers.example_number_for_type(country, kind)
    if example is None:
        raise ValueError(f"phonenumbers has no example number for {country}")
    national = str(example.national_number)
    keep = len(national) - 4
    found: dict[str, None] = {}
    attempts = 0
    while len(found) < count and attempts < count * 50:
        attempts += 1
        digits = national[:keep] + "".join(str(rng.randrange(10)) for _ in range(4))
        number = phonenumbers.parse(f"+{example.country_code}{digits}")
        if phonenumbers.is_valid_number(number):
            text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
            if country == "TR":  # Turkish screens show "0212 345 67 89", not "(0212) ..."
                text = text.replace("(", "").replace(")", "")
            found[text] = None
    return list(found)
