"""Check-digit validation of person identifiers, by `Identifier.system` (offline only, no lookups).

NHS numbers and T.C. Kimlik numbers use python-stdnum's algorithms; NPI uses stdnum's Luhn with
the 80840 prefix; AU Medicare has no maintained implementation, so its weighted sum is here
(clinic-sources.md §3). Plain digit strings skip stdnum's separator cleaning, which costs more
than the check itself; anything else goes through stdnum's own `is_valid`.
"""

from __future__ import annotations

from collections.abc import Callable

from stdnum import luhn
from stdnum.gb import nhs
from stdnum.tr import tckimlik

IdentifierCheck = Callable[[str, str | None], bool]

_SEPARATORS = str.maketrans("", "", " -./")
_MEDICARE_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9)


def _digits(value: str) -> str | None:
    """The value without spaces, dashes, dots and slashes, when what is left is ASCII digits."""
    compact = value.translate(_SEPARATORS)
    return compact if compact.isascii() and compact.isdigit() else None


def nhs_number_valid(value: str, irn: str | None = None) -> bool:
    """UK NHS number: 10 digits, modulus 11 over weights 10..1 (check value 10 is never issued).

    Args:
        value: the number as exported, separators allowed ("943 476 5870").
        irn: unused; present so every check has the same signature.

    Returns:
        True when the length and check digit are right.
    """
    digits = _digits(value)
    if digits is None:
        return nhs.is_valid(value)
    return len(digits) == 10 and nhs.checksum(digits) == 0


def tckn_valid(value: str, irn: str | None = None) -> bool:
    """Turkish T.C. Kimlik No: 11 digits, no leading zero, two check digits.

    Args:
        value: the number as exported.
        irn: unused.

    Returns:
        True when both check digits match.
    """
    digits = _digits(value)
    if digits is None:
        return tckimlik.is_valid(value)
    return (
        len(digits) == 11
        and digits[0] != "0"
        and tckimlik.calc_check_digits(digits[:9]) == digits[9:]
    )


def npi_valid(value: str, irn: str | None = None) -> bool:
    """US NPI: 10 digits starting 1 or 2, Luhn over the number prefixed with 80840.

    Args:
        value: the number as exported.
        irn: unused.

    Returns:
        True when the Luhn check with the health-industry prefix passes.
    """
    digits = _digits(value)
    return (
        digits is not None
        and len(digits) == 10
        and digits[0] in "12"
        and luhn.checksum("80840" + digits) == 0
    )


def au_medicare_valid(value: str, irn: str | None = None) -> bool:
    """AU Medicare card: 8 digits (first 2-6), check digit, issue number (not 0), optional IRN.

    The check digit is the sum of the first 8 digits weighted 1,3,7,9,1,3,7,9, modulo 10. The IRN
    (position on the card, 1-9) may be the 11th digit or travel separately in `irn`.

    Args:
        value: the card number, 10 digits or 11 with the IRN.
        irn: the separately exported IRN, if any.

    Returns:
        True when the check digit, the issue number and any IRN are plausible.
    """
    digits = _digits(value)
    if digits is None or len(digits) not in (10, 11) or digits[0] not in "23456":
        return False
    if digits[9] == "0":
        return False
    if len(digits) == 11 and digits[10] == "0":
        return False
    if irn is not None and irn.strip() not in ("", *"123456789"):
        return False
    weighted = sum(int(d) * w for d, w in zip(digits[:8], _MEDICARE_WEIGHTS, strict=True))
    return weighted % 10 == int(digits[8])


# Checks per Identifier.system; systems not listed (source-mrn, passport, ...) are not checked.
IDENTIFIER_CHECKS: dict[str, IdentifierCheck] = {
    "gb-nhs": nhs_number_valid,
    "tr-tckn": tckn_valid,
    "us-npi": npi_valid,
    "au-medicare": au_medicare_valid,
}
