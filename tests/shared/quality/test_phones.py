"""Phone numbers to E.164: the reference's cases, and the fast path agreeing with phonenumbers."""

from __future__ import annotations

import random

import phonenumbers
import pytest
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from shared.quality.phones import (
    PhoneCheck,
    RegionPhoneNormaliser,
    _library_check,
    phone_normaliser,
)


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("0532 123 45 67", "TR", PhoneCheck("+905321234567", True)),
        ("0412 345 678", "AU", PhoneCheck("+61412345678", True)),
        ("020 7946 0958", "GB", PhoneCheck("+442079460958", True)),
        ("0044 20 7946 0958", "GB", PhoneCheck("+442079460958", True)),
        ("+44 (0)20 7946 0958", "GB", PhoneCheck("+442079460958", True)),
        ("+447400123456", "GB", PhoneCheck("+447400123456", True)),
        ("+353850123456", "IE", PhoneCheck("+353850123456", True)),
        ("+905012345678", "TR", PhoneCheck("+905012345678", True)),
        ("(201) 555-0123", "US", PhoneCheck("+12015550123", True)),
        # UK drama range: possible, not valid -> kept with its E.164 form, flagged.
        ("07700 900123", "GB", PhoneCheck("+447700900123", False)),
        ("not a number", "GB", PhoneCheck(None, False)),
        ("12", "GB", PhoneCheck(None, False)),
        ("", "GB", PhoneCheck(None, False)),
        # A foreign number in a UK export goes through phonenumbers itself.
        ("+61 412 345 678", "GB", PhoneCheck("+61412345678", True)),
    ],
)
def test_reference_cases(raw: str, region: str, expected: PhoneCheck) -> None:
    assert phone_normaliser(region).check(raw) == expected


def test_without_a_region_only_international_numbers_parse() -> None:
    normaliser = phone_normaliser(None)
    assert normaliser.check("+44 20 7946 0958") == PhoneCheck("+442079460958", True)
    assert normaliser.check("020 7946 0958") == PhoneCheck(None, False)


_NUMBER_TYPES = [
    value for name, value in vars(PhoneNumberType).items() if name.isupper() and name != "UNKNOWN"
]


def _samples(region: str, rng: random.Random) -> list[str]:
    """Numbers in the shapes exports contain: every type, every format, and mutated digits."""
    samples: list[str] = []
    cc = phonenumbers.country_code_for_region(region)
    for kind in _NUMBER_TYPES:
        example = phonenumbers.example_number_for_type(region, kind)
        if example is None:
            continue
        for fmt in (PhoneNumberFormat.NATIONAL, PhoneNumberFormat.INTERNATIONAL,
                    PhoneNumberFormat.E164):  # fmt: skip
            samples.append(phonenumbers.format_number(example, fmt))
        national = phonenumbers.national_significant_number(example)
        for _ in range(60):
            digits = list(national)
            for position in rng.sample(range(len(digits)), k=min(3, len(digits))):
                digits[position] = rng.choice("0123456789")
            mutated = "".join(digits)
            samples += [f"0{mutated}", f"+{cc} {mutated}", f"00{cc}{mutated}", mutated]
            samples.append(f"0{mutated[:-1]}")  # a digit short
    for _ in range(300):
        length = rng.randint(4, 14)
        samples.append("".join(rng.choice("0123456789") for _ in range(length)))
        samples.append("+" + "".join(rng.choice("0123456789") for _ in range(length)))
    samples += [f"+{cc} (0) 1234 5678", f"0{cc}123456", "0 800 123 4567 ext. 12", "+1 800 FLOWERS"]
    return samples


@pytest.mark.parametrize("region", ["GB", "IE", "TR", "AU", "US", "DE", "NZ", "FR", "IT", "CA"])
def test_fast_path_agrees_with_phonenumbers(region: str) -> None:
    rng = random.Random(f"phones-{region}")
    normaliser = RegionPhoneNormaliser(region)
    fast_hits = 0
    samples = _samples(region, rng)
    for raw in samples:
        assert normaliser.check(raw) == _library_check(raw, region), raw
        national = normaliser._fast_national_number(raw) if normaliser._fast else None
        fast_hits += national is not None and normaliser._is_valid_national(national)
    if region not in ("IT", "CA"):  # no national prefix / not the main region of +1
        assert fast_hits > len(samples) // 10, "the fast path was barely exercised"
