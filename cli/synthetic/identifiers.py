"""Check-digit-valid test identifiers (NHS 9xx range, T.C. Kimlik, Medicare, NPI, VKN, ABN).

Algorithms follow reference/clinic-sources.md §3; `corrupt` turns a valid value into one that fails
its check digit (the `invalid_identifier` fault) without changing its length or format.
"""

from __future__ import annotations

import random

from stdnum.au import abn as stdnum_abn
from stdnum.tr import vkn as stdnum_vkn


def nhs_number(rng: random.Random) -> str:
    """A 10-digit NHS number in the 900 000 0000-999 999 9999 range reserved for testing."""
    while True:
        body = "9" + "".join(str(rng.randrange(10)) for _ in range(8))
        total = sum(int(c) * w for c, w in zip(body, range(10, 1, -1), strict=True))
        check = 11 - total % 11
        if check == 11:
            check = 0
        if check != 10:  # 10 is never issued: draw again
            return body + str(check)


def tc_kimlik(rng: random.Random) -> str:
    """An 11-digit T.C. Kimlik No with both check digits right and no leading zero."""
    digits = [rng.randrange(1, 10)] + [rng.randrange(10) for _ in range(8)]
    d10 = ((sum(digits[0:9:2]) * 7) - sum(digits[1:8:2])) % 10
    d11 = (sum(digits) + d10) % 10
    return "".join(map(str, digits)) + f"{d10}{d11}"


def medicare_number(rng: random.Random) -> tuple[str, str]:
    """An Australian Medicare card number (10 digits incl. issue number) and an IRN (1-9)."""
    ident = [rng.randrange(2, 7)] + [rng.randrange(10) for _ in range(7)]
    check = sum(d * w for d, w in zip(ident, (1, 3, 7, 9, 1, 3, 7, 9), strict=True)) % 10
    issue = rng.randrange(1, 10)
    return "".join(map(str, ident)) + f"{check}{issue}", str(rng.randrange(1, 6))


def npi(rng: random.Random) -> str:
    """A US NPI: 9 digits starting 1 or 2, then the Luhn digit computed with the 80840 prefix."""
    body = str(rng.randrange(1, 3)) + "".join(str(rng.randrange(10)) for _ in range(8))
    return body + str(_luhn_check_digit("80840" + body))


def vkn(rng: random.Random) -> str:
    """A Turkish tax number (Vergi Kimlik No), 10 digits, check digit valid."""
    body = "".join(str(rng.randrange(10)) for _ in range(9))
    return body + str(stdnum_vkn.calc_check_digit(body))


def abn(rng: random.Random) -> str:
    """An Australian Business Number, 11 digits, check digits valid."""
    body = "".join(str(rng.randrange(10)) for _ in range(9))
    return str(stdnum_abn.calc_check_digits(body)) + body


def corrupt(value: str, position: int = -1) -> str:
    """The same identifier with one check digit changed, so the check no longer holds.

    Args:
        value: A valid identifier (digits only).
        position: Index of a check digit: the last digit for NHS, T.C. Kimlik, NPI, VKN and
            ABN; 8 for a Medicare card number (its last digit is the issue number).
    """
    index = position % len(value)
    digit = int(value[index])
    changed = (digit + 1 + digit % 3) % 10  # +1..+3: always a different digit
    return value[:index] + str(changed) + value[index + 1 :]


def _luhn_check_digit(digits: str) -> int:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 0:  # positions that will sit at odd offsets once the check digit is appended
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return (10 - total % 10) % 10
