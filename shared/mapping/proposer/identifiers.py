"""Check-digit tests for the identifiers a clinic export carries (NHS, TCKN, Medicare, NPI)."""

from __future__ import annotations

import re

from stdnum import luhn
from stdnum.gb import nhs
from stdnum.tr import tckimlik

_SEPARATORS = re.compile(r"[\s.-]")
_MEDICARE_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9)


def is_nhs_number(value: str) -> bool:
    """UK NHS number: 10 digits, modulus 11 (spaces allowed, '943 476 5870')."""
    digits = _SEPARATORS.sub("", value)
    return len(digits) == 10 and digits.isdigit() and bool(nhs.is_valid(digits))


def is_tckn(value: str) -> bool:
    """Turkish T.C. Kimlik No: 11 digits, first not 0, two check digits."""
    digits = _SEPARATORS.sub("", value)
    return len(digits) == 11 and digits.isdigit() and bool(tckimlik.is_valid(digits))


def is_medicare_number(value: str) -> bool:
    """Australian Medicare card number: 10 digits (or 11 with the IRN), weighted check digit.

    stdnum has no Medicare module; the weights 1,3,7,9,1,3,7,9 follow Services Australia.
    """
    digits = re.sub(r"\D", "", value)
    if (
        len(digits) not in (10, 11)
        or digits[0] not in "23456"
        or len(digits) != len(_SEPARATORS.sub("", value))
    ):
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], _MEDICARE_WEIGHTS, strict=True))
    return total % 10 == int(digits[8]) and digits[9] != "0"


def is_npi(value: str) -> bool:
    """US NPI: 10 digits starting 1 or 2, Luhn over the '80840' health-industry prefix."""
    digits = _SEPARATORS.sub("", value)
    return bool(re.fullmatch(r"[12]\d{9}", digits)) and bool(luhn.is_valid("80840" + digits))
