"""Generated identifiers pass their check-digit algorithms; corrupted ones fail them."""

from __future__ import annotations

import random

import pytest
from stdnum.au import abn
from stdnum.gb import nhs
from stdnum.tr import tckimlik, vkn

from cli.synthetic import identifiers


def _npi_valid(value: str) -> bool:
    digits = "80840" + value
    total = 0
    for index, char in enumerate(reversed(digits)):
        number = int(char) * (2 if index % 2 else 1)
        total += number - 9 if number > 9 else number
    return len(value) == 10 and value[0] in "12" and total % 10 == 0


def _medicare_valid(card: str) -> bool:
    weights = (1, 3, 7, 9, 1, 3, 7, 9)
    check = sum(int(c) * w for c, w in zip(card[:8], weights, strict=True)) % 10
    return len(card) == 10 and card[0] in "23456" and check == int(card[8]) and card[9] != "0"


def test_reference_vectors_agree_with_our_checks() -> None:
    assert _npi_valid("1234567893") and _npi_valid("1558598797")
    assert _medicare_valid("2951873125")


@pytest.mark.parametrize(
    ("make", "valid", "position"),
    [
        (identifiers.nhs_number, nhs.is_valid, -1),
        (identifiers.tc_kimlik, tckimlik.is_valid, -1),
        (identifiers.vkn, vkn.is_valid, -1),
        (identifiers.abn, abn.is_valid, -1),
        (identifiers.npi, _npi_valid, -1),
        (lambda rng: identifiers.medicare_number(rng)[0], _medicare_valid, 8),
    ],
)
def test_generated_values_are_valid_and_corruption_breaks_them(make, valid, position) -> None:
    rng = random.Random(42)
    for _ in range(500):
        value = make(rng)
        assert valid(value), value
        assert not valid(identifiers.corrupt(value, position)), value


def test_nhs_numbers_stay_in_the_test_range() -> None:
    rng = random.Random(1)
    assert all(identifiers.nhs_number(rng).startswith("9") for _ in range(200))


def test_medicare_irn_is_a_card_position() -> None:
    rng = random.Random(1)
    assert {identifiers.medicare_number(rng)[1] for _ in range(200)} <= set("12345")
