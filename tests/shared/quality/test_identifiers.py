"""Identifier check digits: the reference's test vectors and a cross-check on random numbers."""

from __future__ import annotations

import random
import re

import pytest

from shared.quality.identifiers import (
    IDENTIFIER_CHECKS,
    au_medicare_valid,
    nhs_number_valid,
    npi_valid,
    tckn_valid,
)


@pytest.mark.parametrize(
    ("check", "value", "valid"),
    [
        (nhs_number_valid, "9434765870", True),
        (nhs_number_valid, "943 476 5870", True),
        (nhs_number_valid, "943-476-5870", True),
        (nhs_number_valid, "9434765871", False),
        (nhs_number_valid, "943476587", False),
        (nhs_number_valid, "94347658700", False),
        (npi_valid, "1234567893", True),
        (npi_valid, "1558598797", True),
        (npi_valid, "1234567890", False),
        (npi_valid, "3234567893", False),  # must start with 1 or 2
        (npi_valid, "123456789", False),
        (au_medicare_valid, "2951 87312 5 1", True),
        (au_medicare_valid, "2951873125", True),
        (au_medicare_valid, "2951873135", False),  # check digit
        (au_medicare_valid, "2951873120", False),  # issue number 0
        (au_medicare_valid, "29518731250", False),  # IRN 0
        (au_medicare_valid, "7951873125", False),  # first digit 2-6
        (tckn_valid, "17291716060", True),
        (tckn_valid, "17291716050", False),
        (tckn_valid, "07291716092", False),
        (tckn_valid, "1729171606", False),
    ],
)
def test_reference_vectors(check: object, value: str, valid: bool) -> None:
    assert callable(check)
    assert check(value, None) is valid


def test_medicare_irn_given_separately_must_be_one_digit() -> None:
    assert au_medicare_valid("2951873125", "1")
    assert not au_medicare_valid("2951873125", "0")
    assert not au_medicare_valid("2951873125", "12")


def test_every_supported_system_has_a_check() -> None:
    assert set(IDENTIFIER_CHECKS) == {"gb-nhs", "tr-tckn", "us-npi", "au-medicare"}


def test_letters_are_never_valid() -> None:
    for check in IDENTIFIER_CHECKS.values():
        assert not check("943476587O", None)


# The reference implementation from clinic-sources.md §3.11, to cross-check our fast paths.
def _ref_nhs(s: str) -> bool:
    d = re.sub(r"[\s-]", "", s)
    if not re.fullmatch(r"\d{10}", d):
        return False
    check = 11 - sum(int(c) * w for c, w in zip(d[:9], range(10, 1, -1), strict=True)) % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(d[9])


def _ref_luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _ref_npi(s: str) -> bool:
    d = re.sub(r"\D", "", s)
    return bool(re.fullmatch(r"[12]\d{9}", d)) and _ref_luhn("80840" + d)


def _ref_tckn(s: str) -> bool:
    if not re.fullmatch(r"[1-9]\d{10}", s):
        return False
    n = [int(c) for c in s]
    d10 = ((n[0] + n[2] + n[4] + n[6] + n[8]) * 7 - (n[1] + n[3] + n[5] + n[7])) % 10
    return n[9] == d10 and n[10] == sum(n[:10]) % 10


@pytest.mark.parametrize(
    ("ours", "reference", "length"),
    [(nhs_number_valid, _ref_nhs, 10), (npi_valid, _ref_npi, 10), (tckn_valid, _ref_tckn, 11)],
)
def test_agrees_with_reference_implementation_on_random_numbers(
    ours: object, reference: object, length: int
) -> None:
    assert callable(ours) and callable(reference)
    rng = random.Random(20261121)
    agreed_valid = 0
    for _ in range(20_000):
        value = "".join(rng.choice("0123456789") for _ in range(length))
        assert ours(value, None) == reference(value), value
        agreed_valid += reference(value)
    assert agreed_valid > 100  # the sample really exercised the valid branch
